/* The count model of a rolling ECS deployment (SPEC sections 2-4), for SPIN's pan.

   State (o, s, p, n): old healthy, old stopping, new pending, new healthy.
   Bounds, in exact integers: L = ceil(D*M/100), U = floor(D*X/100); C is the capacity
   in task slots (set it to 4*D, or more, for "unlimited": occupied never exceeds 2*D).
   Compile with -DD=100 -DM=50 -DX=200 -DC=400 (the defaults below).

   stop(j) and launch(k) are written as j (or k) single stops or launches: each guard
   is monotone, so (o - j) + n >= L implies every intermediate stop was allowed too,
   and the same for launches; the reachable states, and so every property below, are
   the same as with the multi-task actions. Each action is one d_step: one transition,
   no intermediate state.

   Properties:
     availability, surge, capacity: assertions on every state (the initial one included);
     progress: every action moves the potential 2(D - o) - s + p + 2n up by one, so the
       graph has no cycle and "the goal stays reachable from every reachable state" is
       "no reachable state other than the goal is a dead end": pan's invalid end state
       check (the only valid end is the `end:` label, reached from the goal alone). */

#ifndef D
#define D 100
#endif
#ifndef M
#define M 50
#endif
#ifndef X
#define X 200
#endif
#ifndef C
#define C (4 * D)
#endif

#define L ((D * M + 99) / 100)
#define U ((D * X) / 100)

short o = D, s = 0, p = 0, n = 0;

#define SAFE (o + n >= L && o + p + n <= U && o + s + p + n <= C)

active proctype rollout()
{
    assert(SAFE);
    do
    :: d_step { (o > 0 && o - 1 + n >= L) -> o--; s++; assert(SAFE) }          /* stop one old task */
    :: d_step { (p + n + 1 <= D && o + p + n + 1 <= U && o + s + p + n + 1 <= C) ->
                p++; assert(SAFE) }                                              /* launch one new task */
    :: d_step { (p > 0) -> p--; n++; assert(SAFE) }                              /* ready */
    :: d_step { (s > 0) -> s--; assert(SAFE) }                                   /* gone */
    :: (o == 0 && s == 0 && p == 0 && n == D) -> break                           /* the goal */
    od;
end: skip
}
