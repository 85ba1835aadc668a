"""The partner keys file: parsing, defaults, and every mistake refused with where it is."""

from __future__ import annotations

import pytest

from api.config import ROOT
from api.partner_keys import ANY, PartnerKeys, PartnerKeysInvalid, hash_key

H1, H2 = hash_key("key-one-xxxxxxxxxxxxxxx"), hash_key("key-two-xxxxxxxxxxxxxxx")


def _key(**over) -> dict:
    return {"name": "acme", "sha256": H1, "collections": ["boundaries"], **over}


def test_example_file_loads_and_matches_its_documented_keys() -> None:
    keys = PartnerKeys.load(ROOT / "config" / "partner-keys.example.yaml")
    acme = keys.lookup("example-acme-key-0000000000000000")
    assert acme is not None and acme.name == "acme-health" and acme.limit == "600/minute"
    assert acme.collections == frozenset({"breakup-recovery", "boundaries"})
    assert acme.allows_origin("https://acme-health.example") and not acme.allows_origin("https://other.example")
    care = keys.lookup("example-careapp-key-1111111111111111")
    assert care is not None and care.collections is None and care.origins == frozenset()
    assert keys.anonymous is not None and keys.anonymous.limit == "60/minute" and keys.anonymous.anonymous
    assert keys.lookup("example-acme-key-0000000000000001") is None


def test_no_file_is_open_to_all() -> None:
    keys = PartnerKeys.load(None)
    assert keys.keys == {} and keys.anonymous is not None
    assert keys.anonymous.collections is None and keys.anonymous.limit is None
    assert keys.anonymous.allows_origin("https://anything.example")


def test_defaults_and_anonymous_off() -> None:
    keys = PartnerKeys.parse({"keys": [_key()]})
    assert keys.anonymous is not None and keys.anonymous.origins == frozenset({ANY}) and keys.anonymous.limit is None
    p = keys.keys[H1]
    assert p.origins == frozenset() and p.limit is None and not p.anonymous
    assert PartnerKeys.parse({"anonymous": {"allowed": False}}).anonymous is None
    assert PartnerKeys.parse(None).anonymous is not None


def test_preflight_origins_are_the_union_of_all_callers() -> None:
    keys = PartnerKeys.parse(
        {
            "anonymous": {"allowed": False},
            "keys": [_key(origins=["https://a.example"]), _key(name="b", sha256=H2, origins=["http://localhost:3000"])],
        }
    )
    assert keys.preflight_origins() == (frozenset({"https://a.example", "http://localhost:3000"}), False)
    assert PartnerKeys.parse({"keys": [_key()]}).preflight_origins() == (frozenset(), True)


def test_hash_is_sha256_hex_and_uppercase_is_accepted() -> None:
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert PartnerKeys.parse({"keys": [_key(sha256=H1.upper())]}).lookup("key-one-xxxxxxxxxxxxxxx") is not None


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"keys": [_key(sha256="key-one-in-plaintext")]}, r"keys\[0\] \(acme\)\.sha256"),
        ({"keys": [_key(), _key(sha256=H2)]}, r"keys\[1\] \(acme\): the name is used twice"),
        ({"keys": [_key(), _key(name="b")]}, r"keys\[1\] \(b\)\.sha256: the same key"),
        ({"keys": [_key(origins=["https://a.example/path"])]}, r"origins: 'https://a.example/path' is not"),
        ({"keys": [_key(origins=["a.example"])]}, r"origins"),
        ({"keys": [_key(origins="https://a.example")]}, r"origins: expected a list"),
        ({"keys": [_key(limit="lots")]}, r"limit: 'lots' is not a rate limit"),
        ({"keys": [{"name": "acme", "sha256": H1}]}, r"collections: required"),
        ({"keys": [_key(collections="boundaries")]}, r"collections: expected a list"),
        ({"keys": [_key(key="plaintext")]}, r"unknown field\(s\) key"),
        ({"keys": [_key(name="has space")]}, r"keys\[0\]\.name"),
        ({"anonymous": {"allowed": "yes"}}, r"anonymous\.allowed"),
        ({"anonymous": {"limit": "60 a minute"}}, r"anonymous\.limit"),
        ({"partners": []}, r"top level: unknown field"),
        (["not", "a", "mapping"], r"expected a mapping"),
    ],
)
def test_mistakes_are_refused_with_where(data, where: str) -> None:
    with pytest.raises(PartnerKeysInvalid, match=where):
        PartnerKeys.parse(data)


def test_errors_name_the_file_and_the_entry_and_come_all_at_once(tmp_path) -> None:
    keys = tmp_path / "partner-keys.yaml"
    keys.write_text(
        f"""keys:
  - name: acme
    sha256: {H1}
    collections: all
  - name: beta
    sha256: the-key-itself-in-plaintext
    collections: all
    origins: [https://beta.example/app]
""",
        encoding="utf-8",
    )
    with pytest.raises(PartnerKeysInvalid) as caught:
        PartnerKeys.load(keys)
    assert str(caught.value) == (
        f"{keys}: keys[1] (beta).sha256: expected 64 hex digits, the SHA-256 of the key "
        "(`flask --app api.app keys hash <key>`; never the key itself); "
        "keys[1] (beta).origins: 'https://beta.example/app' is not an origin (scheme://host[:port], lowercase, "
        "no path), or '*'"
    )


def test_unreadable_file_names_the_file(tmp_path) -> None:
    bad = tmp_path / "keys.yaml"
    bad.write_text("keys: [\n", encoding="utf-8")
    with pytest.raises(PartnerKeysInvalid, match="keys.yaml: cannot read"):
        PartnerKeys.load(bad)
    with pytest.raises(PartnerKeysInvalid, match="missing.yaml"):
        PartnerKeys.load(tmp_path / "missing.yaml")
