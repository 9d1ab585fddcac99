"""C2SP tlog-policy: the spec's examples parse, quorums of nested groups evaluate, bad files are refused."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auric.provenance import note
from auric.provenance.policy import NONE, PolicyError, format_policy, parse_policy


def _fixed(cls, name: str):
    """Keys from fixed seeds: parametrized ids embed them, and parallel workers must collect alike."""
    seed = hashlib.sha256(f"{cls.__name__}:{name}".encode()).digest()
    return cls(name, Ed25519PrivateKey.from_private_bytes(seed))


LOG = _fixed(note.Signer, "example.com/log")
WITNESSES = {
    name: _fixed(note.CosignatureSigner, f"{name.lower()}.example") for name in ("X1", "X2", "X3", "Y1", "Y2", "Y3")
}


def vkey(name: str) -> str:
    return WITNESSES[name].verifier_key()


# The example of c2sp.org/tlog-policy, with real keys where it elides them.
SPEC_EXAMPLE = f"""\
log {LOG.verifier_key()}

witness X1 {vkey("X1")}
witness X2 {vkey("X2")}
witness X3 {vkey("X3")}
group X-witnesses 2 X1 X2 X3

witness Y1 {vkey("Y1")}
witness Y2 {vkey("Y2")}
witness Y3 {vkey("Y3")}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""


def test_the_spec_example_parses() -> None:
    policy = parse_policy(SPEC_EXAMPLE)

    assert [log.origin for log in policy.logs] == ["example.com/log"]
    assert [w.name for w in policy.witnesses] == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert [(g.name, g.threshold, g.members) for g in policy.groups] == [
        ("X-witnesses", 2, ("X1", "X2", "X3")),
        ("Y-witnesses", 1, ("Y1", "Y2", "Y3")),
        ("X-and-Y", 2, ("X-witnesses", "Y-witnesses")),
    ]
    assert policy.quorum == "X-and-Y"


@pytest.mark.parametrize(
    ("cosigned", "met"),
    [
        ({"X1", "X2", "Y3"}, True),
        ({"X1", "X2", "X3", "Y1", "Y2", "Y3"}, True),
        ({"X1", "Y1", "Y2", "Y3"}, False),  # only one X
        ({"X1", "X2", "X3"}, False),  # no Y
        (set(), False),
        ({"X1", "X3", "Y2", "someone-else"}, True),
    ],
)
def test_the_quorum_of_nested_groups(cosigned: set[str], met: bool) -> None:
    assert parse_policy(SPEC_EXAMPLE).quorum_met(cosigned) is met


def test_a_single_witness_quorum_and_a_numeric_threshold() -> None:
    single = parse_policy(f"log {LOG.verifier_key()}\nwitness X1 {vkey('X1')}\nquorum X1\n")
    assert single.quorum_met({"X1"}) and not single.quorum_met({"X2"})
    assert single.describe_quorum() == "witness X1"
    flat = parse_policy(
        format_policy(log_keys=[LOG.verifier_key()], witnesses=[(n, vkey(n)) for n in ("X1", "X2", "X3")], threshold=2)
    )
    assert flat.describe_quorum() == "2"
    assert flat.quorum_met({"X1", "X3"}) and not flat.quorum_met({"X2"})


def test_quorum_none_needs_no_witness_and_no_log_is_needed_either() -> None:
    policy = parse_policy("# offline, witnesses not required\nquorum none\n")
    assert policy.logs == () and policy.witnesses == ()
    assert policy.quorum == NONE
    assert policy.quorum_met(set())


def test_comments_blank_lines_tabs_and_urls() -> None:
    text = (
        "  # a comment, indented\n"
        f"\tlog\t{LOG.verifier_key()}   https://example.com/log  \n"
        "\n   \t\n"
        f"witness  X1 {vkey('X1')} https://x1.example/witness\n"
        "quorum X1\n"
    )
    policy = parse_policy(text)
    assert policy.logs[0].url == "https://example.com/log"
    assert policy.witnesses[0].url == "https://x1.example/witness"


def test_format_reads_back_to_the_same_policy() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    assert parse_policy(policy.format()) == policy
    assert "group Y-witnesses any Y1 Y2 Y3" in policy.format()


def test_format_policy_for_the_usual_k_of_n() -> None:
    text = format_policy(
        log_keys=[LOG.verifier_key()], witnesses=[("X1", vkey("X1"), "https://x1.example")], threshold=1
    )
    assert text.splitlines()[-2:] == ["group witnesses any X1", "quorum witnesses"]
    assert format_policy(log_keys=[LOG.verifier_key()]).endswith("quorum none\n")
    with pytest.raises(PolicyError, match="a quorum of 2 needs at least 2 witnesses"):
        format_policy(log_keys=[LOG.verifier_key()], witnesses=[("X1", vkey("X1"))], threshold=2)


def _same_key_other_name(signer: note.CosignatureSigner, name: str) -> str:
    return note.CosignatureVerifier(name, signer.public_key_bytes).verifier_key()


LOG_LINE = f"log {LOG.verifier_key()}\n"
W = f"witness X1 {vkey('X1')}\nwitness X2 {vkey('X2')}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LOG_LINE, "no quorum line"),
        (LOG_LINE + "quorum none\nquorum none\n", "line 3: a policy has exactly one quorum line"),
        (LOG_LINE + "quorum X1\n" + W, "line 2: quorum 'X1' is not defined on an earlier line"),
        (LOG_LINE + "group g any X1\n" + W + "quorum g\n", "line 2: group 'g': member 'X1' is not defined"),
        (LOG_LINE + W + "group g 0 X1 X2\nquorum g\n", "threshold '0' is not all, any or a number"),
        (LOG_LINE + W + "group g 3 X1 X2\nquorum g\n", "threshold 3 is more than its 2 members"),
        (LOG_LINE + W + "group g 01 X1 X2\nquorum g\n", "threshold '01'"),
        (LOG_LINE + W + "group g two X1 X2\nquorum g\n", "threshold 'two'"),
        (LOG_LINE + W + "group g any\nquorum g\n", "a group line is"),
        (LOG_LINE + W + "group g any X1 X1\nquorum g\n", "'X1' is already a member of a group"),
        (LOG_LINE + W + "group g any X1\ngroup h any X1 X2\nquorum h\n", "'X1' is already a member of a group"),
        (LOG_LINE + W + "group g any g X1\nquorum g\n", "member 'g' is not defined on an earlier line"),
        (LOG_LINE + W + "group g any none\nquorum g\n", "'none' cannot be a group member"),
        (LOG_LINE + f"witness none {vkey('X1')}\nquorum none\n", "'none' is predefined"),
        (LOG_LINE + W + f"witness X1 {vkey('X3')}\nquorum X1\n", "line 4: name 'X1' is defined twice"),
        (LOG_LINE + W + "group X2 any X1\nquorum X2\n", "name 'X2' is defined twice"),
        (
            LOG_LINE + W + f"witness X1b {_same_key_other_name(WITNESSES['X1'], 'other.example')}\nquorum none\n",
            "witness key 'other.example' is listed twice",
        ),
        (LOG_LINE + LOG_LINE + "quorum none\n", "line 2: log key 'example.com/log' is listed twice"),
        (f"log {vkey('X1')}\nquorum none\n", "log key 'x1.example' has signature type 0x04, not 0x01"),
        (
            LOG_LINE + f"witness X1 {LOG.verifier_key()}\nquorum X1\n",
            "witness key 'example.com/log' has signature type 0x01, not 0x04",
        ),
        (LOG_LINE.replace("+", "+0", 1) + "quorum none\n", "not a usable verifier key"),
        ("log\nquorum none\n", "a log line is"),
        (f"log {LOG.verifier_key()} https://a https://b\nquorum none\n", "a log line is"),
        (LOG_LINE + f"witness X1 {vkey('X1')} https://a extra\nquorum none\n", "a witness line is"),
        (LOG_LINE + "quorum\n", "a quorum line is"),
        (LOG_LINE + "witnesses X1\nquorum none\n", "line 2: unknown keyword 'witnesses'"),
        (LOG_LINE.replace("\n", "\r\n") + "quorum none\n", "no control characters but tab and newline"),
        ("quorum none\x00\n", "no control characters"),
    ],
)
def test_malformed_policies_are_refused_with_the_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)


def test_a_witness_key_id_must_match_its_name_and_key() -> None:
    _, _, key_id_and_key = vkey("X1").partition("+")
    forged = f"x9.example+{key_id_and_key}"
    with pytest.raises(PolicyError, match="does not match"):
        parse_policy(f"witness X1 {forged}\nquorum X1\n")


def _checkpoint() -> str:
    body = note.Checkpoint(origin="example.com/log", size=3, root=bytes(32)).body()
    return note.sign_note(body, [LOG])


def test_cosignatures_are_checked_witness_by_witness() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    signed = note.add_signatures(_checkpoint(), [WITNESSES["X1"], WITNESSES["Y2"]])
    assert policy.check_cosignatures(signed) == {"X1", "Y2"}

    # X1's cosignature of another checkpoint, pasted in: it does not count, and does not hide Y2's.
    other = note.sign_note(note.Checkpoint(origin="example.com/log", size=4, root=bytes(32)).body(), [LOG])
    x1_line = note.add_signatures(other, [WITNESSES["X1"]]).splitlines()[-1]
    pasted = note.add_signatures(_checkpoint(), [WITNESSES["Y2"]]) + x1_line + "\n"
    assert policy.check_cosignatures(pasted) == {"Y2"}


def test_a_log_signature_is_not_a_cosignature() -> None:
    policy = parse_policy(
        f"log {LOG.verifier_key()}\nwitness L {note.CosignatureSigner.generate('example.com/log').verifier_key()}\nquorum L\n"
    )
    assert policy.check_cosignatures(_checkpoint()) == set()
