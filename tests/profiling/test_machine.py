import json

from msrnn.profiling.machine import cpu_info, cpu_label, describe_machine, measured_on

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
flags\t\t: fpu avx2 avx512f avx512_bf16 sse4_2

processor\t: 1
cpu family\t: 99
model name\t: something else
flags\t\t: amx_tile amx_bf16
"""


def test_cpu_info_reads_the_first_processor():
    info = cpu_info(CPUINFO)
    assert info == {
        "name": "AMD EPYC",
        "family": 25,
        "model": 17,
        "isa": ["avx2", "avx512f", "avx512_bf16"],  # no AMX: the second block is not read
    }
    assert cpu_label(info) == "AMD EPYC (family 25, model 17)"


def test_cpu_without_family_is_labelled_by_name():
    info = cpu_info("model name\t: Some CPU\n")
    assert info["family"] is None and info["isa"] == []
    assert cpu_label(info) == "Some CPU"


def test_describe_machine_is_json_ready_and_names_the_cpu():
    facts = json.loads(json.dumps(describe_machine()))
    assert facts["threads"] >= 1 and facts["cpu_count"] >= 1 and facts["memory_bytes"] > 0
    assert set(facts["cpu"]) == {"name", "family", "model", "isa"}
    assert cpu_label(cpu_info()) in measured_on()
