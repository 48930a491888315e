import pytest

from msrnn.atomic import write_atomically, write_bytes_atomically, write_text_atomically


def test_writes_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "new" / "record.json"
    assert write_text_atomically(target, "{}\n") == target
    assert target.read_text() == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["record.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "weights.bin"
    target.write_bytes(b"good")

    def fail_halfway(temporary):
        temporary.write_bytes(b"ha")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, fail_halfway)
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]


def test_without_overwrite_an_existing_file_is_never_replaced(tmp_path):
    target = tmp_path / "figure.png"
    write_bytes_atomically(target, b"first", overwrite=False)
    with pytest.raises(FileExistsError):
        write_bytes_atomically(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]
