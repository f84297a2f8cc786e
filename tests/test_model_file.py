import textwrap

import pytest

from verifier.errors import ModelError
from verifier.model.loading import load_model
from verifier.model.records import TaskCount

GOOD = """\
service:
  desiredCount: 6
  deploymentConfiguration:
    minimumHealthyPercent: 50
cluster:
  capacityTasks: 8
requirements:
  minHealthy: "67%"
plan:
  - stop: 3
  - launch: 6
"""


def write(tmp_path, text, name="model.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path, text) -> ModelError:
    path = write(tmp_path, text)
    with pytest.raises(ModelError) as caught:
        load_model(path)
    return caught.value


def test_good_model_with_defaults(tmp_path):
    model = load_model(write(tmp_path, GOOD))
    assert model.name == "model"  # the file's stem
    assert model.settings.max_percent == 200 and model.settings.health_check_seconds == 150
    assert model.requirements.min_healthy == TaskCount(67, percent=True)
    assert [str(step) for step in model.plan] == ["stop 3", "launch 6"]
    assert model.plan[1].line == 11


@pytest.mark.parametrize("text, line, words", [
    ("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    maximumPercent: two hundred\n",
     4, "maximumPercent='two hundred' must be a whole number"),
    ("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    minimumHealthyPercnt: 50\n",
     4, "unknown key 'minimumHealthyPercnt' in service.deploymentConfiguration "
        "(did you mean 'minimumHealthyPercent'?)"),
    ("service:\n  desiredCount: 6\nservice:\n  desiredCount: 7\n", 3,
     "duplicate key 'service' (first given on line 1)"),
    ("service:\n  desiredCount: 6.5\n", 2, "desiredCount=6.5 must be a whole number (a whole number, no decimals)"),
    ("service:\n  desiredCount: -1\n", 2, "desiredCount=-1 must not be negative"),
    ("service:\n  desiredCount: true\n", 2, "desiredCount=True must be a whole number"),
    ("service:\n  deploymentConfiguration: {}\n", 1, "service needs exactly one of 'desiredCount'"),
    ("cluster:\n  capacityTasks: 8\n", 1, "missing required key 'service'"),
    ("- 1\n- 2\n", 1, "the document must be a mapping"),
    ("", 1, "file is empty"),
    ("service: [1, 2\n", 2, "not valid YAML"),
    ("service:\n  desiredCount: !Ref Count\n", 2, "could not determine a constructor for the tag '!Ref'"),
    ("service:\n  desiredCount: 6\nrequirements:\n  minHealthy: lots\n", 4,
     "must be a number of tasks or a percentage"),
    ("service:\n  desiredCount: 6\nplan:\n  - stop: 3\n  - drain: 2\n", 5, "unknown plan action 'drain'"),
    ("service:\n  desiredCount: 6\nplan:\n  - stop: 0\n", 4, "stop: 0 must be at least 1"),
    ("service:\n  desiredCount: 6\nexpect:\n  verdict: violated\n  violated: [progres]\n", 5,
     "unknown property id 'progres' (did you mean 'progress'?)"),
    ("service:\n  desiredCount: 6\nexpect:\n  verdict: fine\n", 4, "expect.verdict='fine' must be one of"),
    ("service:\n  desiredCount: 6\ntiming:\n  stoppingCountsTowardMax: 1\n", 4, "must be true or false"),
    ("service:\n  desiredCount: 6\n<<: {a: 1}\n", 3, "merge keys"),
    ("service: 6\n", 1, "service must be a mapping of keys to values, not int"),
])
def test_bad_input_names_line_and_value(tmp_path, text, line, words):
    error = error_of(tmp_path, text)
    assert error.line == line, str(error)
    assert words in str(error)
    assert str(error).startswith(f"{tmp_path / 'model.yaml'}:{line}: error: ")


def test_alias_bomb_is_stopped(tmp_path):
    # Nine levels of ten aliases each would expand to 10**9 nodes.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    error = error_of(tmp_path, "\n".join(lines) + "\n")
    assert "expands to more than" in str(error)


def test_recursive_anchor_is_stopped(tmp_path):
    error = error_of(tmp_path, "a: &loop\n  - *loop\n")
    assert "expands to more than" in str(error) or "nested deeper than" in str(error)


def test_not_utf8(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_bytes(b"service:\n  desiredCount: 6\n  # caf\xe9\n")
    with pytest.raises(ModelError, match="not UTF-8") as caught:
        load_model(path)
    assert caught.value.line == 3


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="cannot read file"):
        load_model(tmp_path / "absent.yaml")


def test_percentages_outside_ecs_range_are_analysed_not_rejected(tmp_path):
    model = load_model(write(tmp_path, "service:\n  desiredCount: 2\n  deploymentConfiguration:\n"
                                       "    minimumHealthyPercent: 200\n    maximumPercent: 0\n"))
    assert (model.settings.min_healthy_percent, model.settings.max_percent) == (200, 0)


def test_desired_range_and_headroom(tmp_path):
    model = load_model(write(tmp_path, "service:\n  desiredRange: [1, 50]\ncluster:\n  capacityHeadroomTasks: 2\n"))
    assert model.desired_range == (1, 50) and model.capacity_headroom == 2
    assert model.at(10).settings.capacity == 12 and model.at(10).desired_range is None


@pytest.mark.parametrize("text, line, words", [
    ("service:\n  desiredRange: [5, 1]\n", 2, "is empty"),
    ("service:\n  desiredRange: 5\n", 2, "must be [lowest, highest]"),
    ("service:\n  desiredCount: 3\n  desiredRange: [1, 5]\n", 1, "exactly one of"),
    ("service:\n  desiredRange: [1, 5]\nplan:\n  - stop: 1\n", 3, "needs one desiredCount"),
    ("service:\n  desiredCount: 3\ncluster:\n  capacityTasks: 4\n  capacityHeadroomTasks: 1\n", 5, "not both"),
])
def test_bad_ranges(tmp_path, text, line, words):
    error = error_of(tmp_path, text)
    assert error.line == line and words in str(error)
