"""Reading a policy: files that cannot be read, sizes, collisions, the bundled policies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GOOD, Writer

from kypho.errors import NotFound
from kypho.policyfile import (
    DEFAULT_MAX_BYTES,
    InvalidPolicyFile,
    check_no_collision,
    load_policy,
    load_policy_file,
    load_policy_text,
)
from kypho.rules import PolicyKind, Role
from kypho.rules.observation import Scope


def test_a_good_file_gives_the_policy(write: Writer) -> None:
    policy = load_policy_file(write(GOOD))
    assert (policy.id, policy.kind, policy.version) == ("clinic-a", PolicyKind.CANDIDACY, "1")
    assert policy.top_level == ("severe-pain", "pregnancy")
    assert policy.criterion("pregnancy").role is Role.EXCLUDE
    assert policy.criterion("severe-pain").threshold == ">= 7/10"
    assert policy.scopes["severe-pain"] is Scope.PATIENT
    assert dict(policy.decision_text) == {"candidate": "Meets Clinic A's criteria."}


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(
        InvalidPolicyFile, match="absent.toml: expected an existing policy file, got no such file$"
    ):
        load_policy_file(path)


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidPolicyFile, match=": expected a policy file \\(TOML\\), got a directory$"
    ):
        load_policy_file(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file(write: Writer) -> None:
    path = write(GOOD)
    path.chmod(0)
    with pytest.raises(
        InvalidPolicyFile,
        match="mine.toml: expected a readable policy file, got: Permission denied$",
    ):
        load_policy_file(path)


def test_a_path_through_a_file(write: Writer) -> None:
    path = write(GOOD) / "inner.toml"
    with pytest.raises(
        InvalidPolicyFile,
        match="inner.toml: expected a readable policy file, got: Not a directory$",
    ):
        load_policy_file(path)


def test_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Clínica"\n'.encode("latin-1"))
    with pytest.raises(
        InvalidPolicyFile, match="latin1.toml: expected UTF-8 text, got byte 0xed at offset 11$"
    ):
        load_policy_file(path)


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_policy_file(path).id == "clinic-a"


def test_size_limit_on_both_sides(write: Writer) -> None:
    path = write(GOOD)
    size = len(GOOD.encode())
    assert load_policy_file(path, max_bytes=size).id == "clinic-a"
    with pytest.raises(
        InvalidPolicyFile,
        match=f"mine.toml: expected a policy of at most {size - 1} bytes, got {size} bytes$",
    ):
        load_policy_file(path, max_bytes=size - 1)


def test_size_limit_on_text() -> None:
    size = len(GOOD.encode())
    assert load_policy_text(GOOD, source="up", max_bytes=size).id == "clinic-a"
    with pytest.raises(
        InvalidPolicyFile, match=f"^up: expected a policy of at most {size - 1} bytes"
    ):
        load_policy_text(GOOD, source="up", max_bytes=size - 1)


def test_the_default_limit_is_the_settings_default() -> None:
    from kypho.config import Settings

    assert DEFAULT_MAX_BYTES == Settings().max_policy_file_bytes == 1_000_000


@pytest.mark.parametrize("bundled", ["practice", "medicare-l34106", "vcf-suspicion"])
def test_a_user_policy_may_not_take_a_bundled_id(write: Writer, bundled: str) -> None:
    path = write(GOOD.replace('id = "clinic-a"', f'id = "{bundled}"'))
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: id: expected an id no other policy has"), message
    assert f'got "{bundled}"' in message
    assert caught.value.path == "id"


def test_collision_with_ids_already_taken() -> None:
    policy = load_policy_text(GOOD, source="a.toml")
    assert check_no_collision(policy, source="a.toml", taken=("other",)) is policy
    with pytest.raises(
        InvalidPolicyFile, match='^b.toml: id: .*taken: practice, clinic-a.*got "clinic-a"'
    ):
        check_no_collision(policy, source="b.toml", taken=("practice", "clinic-a"))


def test_bundled_policies_are_checked_cached_and_read_only() -> None:
    policy = load_policy("practice")
    assert load_policy("practice") is policy
    assert policy.kind is PolicyKind.CANDIDACY
    with pytest.raises(TypeError):
        policy.scopes["x"] = Scope.PATIENT  # type: ignore[index]
    with pytest.raises(TypeError):
        policy.decision_text["candidate"] = "changed"  # type: ignore[index]


def test_an_unknown_bundled_policy() -> None:
    with pytest.raises(
        NotFound,
        match="policy: expected one of medicare-l34106, practice, vcf-suspicion; got 'aetna'",
    ):
        load_policy("aetna")
