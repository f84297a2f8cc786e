"""Every JSON output validates against the JSON Schema shipped in the package, and the schemas can fail.

The documents come from the command line run on the scenarios the rest of the suite uses
(models/, tests/fixtures/infra, tests/fixtures/diff) and from reports/*.json.
"""

import copy
import json
from importlib.resources import files

import jsonschema
import pytest
from conftest import DIFF, INFRA, ROOT, run_cli

from verifier.reports.json_output import SCHEMA_FILES, json_schema


def run(*words):
    done = run_cli(*words)
    return done.code, json.loads(done.out)


def errors(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema(document["schema"]))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def assert_valid(document):
    for one in document if isinstance(document, list) else [document]:
        assert errors(one) == [], one["schema"]


def test_every_schema_ships_in_the_package_and_is_a_valid_2020_12_schema():
    shipped = sorted(p.name for p in (files("verifier") / "schemas").iterdir() if p.name.endswith(".json"))
    assert shipped == sorted(f"{name}.schema.json" for name in SCHEMA_FILES.values())
    for schema_id in SCHEMA_FILES:
        schema = json_schema(schema_id)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["properties"]["schema"] == {"const": schema_id}   # a document names the schema it follows


def test_shared_definitions_are_the_same_in_every_schema():
    # One vocabulary: a definition used by several outputs (property, counterexample, state) must not drift.
    seen: dict[str, tuple[str, dict]] = {}
    for schema_id in SCHEMA_FILES:
        for name, definition in json_schema(schema_id).get("$defs", {}).items():
            first = seen.setdefault(name, (schema_id, definition))
            assert first[1] == definition, f"$defs/{name} differs between {first[0]} and {schema_id}"


@pytest.mark.parametrize("path", sorted((ROOT / "reports").glob("*.json")), ids=lambda p: p.name)
def test_every_kept_report_validates(path):
    assert_valid(json.loads(path.read_text()))


def test_verify_single_multiple_range_and_smt_validate():
    code, single = run("verify", "--desired", "6", "--min-healthy-percent", "50", "--capacity", "8", "--format", "json")
    assert code == 0 and single["schema"] == "rollproof/result/v2" and "seconds" in single
    code, smt = run("verify", "--desired", "6", "--min-healthy-percent", "50", "--capacity", "8",
                    "--engine", "smt", "--format", "json")
    assert code == 0 and smt["engine"] == "smt"
    code, several = run("verify", "models/min50-room8.yaml", "models/no-spare-room.yaml",
                        "models/autoscaled-min50-max150.yaml", "--format", "json")
    assert isinstance(several, list) and {d["schema"] for d in several} == {"rollproof/result/v2",
                                                                            "rollproof/range/v2"}
    code, ranged = run("verify", "--desired-range", "1..200", "--min-healthy-percent", "100",
                       "--max-percent", "125", "--format", "json")
    assert code == 1 and ranged["schema"] == "rollproof/range/v2"
    for document in (single, smt, several, ranged):
        assert_valid(document)


def test_suggest_validates_for_one_and_several_models():
    code, one = run("suggest", "models/both100.yaml", "--format", "json")
    assert code == 0 and one["changes"] is not None
    _, several = run("suggest", "models/both100.yaml", "models/no-spare-room.yaml", "--format", "json")
    # no-spare-room: only one more slot helps (test_suggest), so no percentage change, a capacity alternative
    assert several[1]["changes"] is None and several[1]["alternative"] == {"capacity": 5}
    assert_valid(one)
    assert_valid(several)


def test_gate_validates_and_its_exit_code_is_the_process_exit_status():
    code, document = run("gate", str(INFRA), "--format", "json")
    assert code == 1 and document["exit_code"] == code
    assert_valid(document)
    code, proved = run("gate", str(INFRA / "ecs" / "create-service.json"), "--format", "json")
    assert code == 0 and proved["exit_code"] == code
    assert_valid(proved)


def test_diff_validates():
    code, document = run("diff", str(DIFF / "before"), str(DIFF / "after"), "--format", "json")
    assert code == 0 and document["services"]
    assert_valid(document)


RENAMES = [  # (a file of reports/ or an output, a path to a key, the key's old (v1) name)
    ("result", ("model",), "name"),
    ("result", ("file",), "source"),
    ("result", ("ecs", "makespan_seconds"), "deploy_seconds"),
    ("result", ("properties", 0, "status"), "state"),
    ("gate", ("services", 0, "properties"), "findings"),
    ("gate", ("services", 0, "model"), "name"),
    ("diff", ("services", 0, "old", "makespan_seconds"), "deploy_seconds"),
    ("suggestion", ("makespan_seconds",), "worst_deploy_seconds"),
]


@pytest.fixture(scope="module")
def samples():
    return {
        "result": json.loads((ROOT / "reports" / "min50-room8.json").read_text()),
        "gate": run("gate", str(INFRA), "--format", "json")[1],
        "diff": run("diff", str(DIFF / "before"), str(DIFF / "after"), "--format", "json")[1],
        "suggestion": run("suggest", "models/both100.yaml", "--format", "json")[1],
    }


@pytest.mark.parametrize("kind, path, old", RENAMES, ids=lambda v: str(v))
def test_a_renamed_key_fails_validation(samples, kind, path, old):
    document = copy.deepcopy(samples[kind])
    assert errors(document) == []
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[old] = parent.pop(path[-1])
    assert errors(document), f"{'.'.join(map(str, path))} renamed to {old} still validates"


def test_a_wrong_type_and_an_unknown_schema_id_fail():
    document = json.loads((ROOT / "reports" / "min50-room8.json").read_text())
    document["bounds"]["desired"] = "6"
    assert errors(document)
    with pytest.raises(KeyError):
        json_schema("rollproof/result/v1")
