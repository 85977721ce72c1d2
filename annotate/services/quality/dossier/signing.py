"""Integrity of a dossier bundle: ``SHA256SUMS`` over every file and a detached Ed25519
signature of it (``SHA256SUMS.sig``), made with the operator's key.

The key is ``ANNOTATE_SIGNING_KEY``: the 32-byte Ed25519 private key in base64, as printed by
``annotate keys generate``. The public key is printed in the dossier and written beside it
(``SIGNING_KEY.pub``); :func:`verify_bundle` checks every digest, that no file was added or
removed, and the signature — against a public key given by the verifier when there is one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from annotate.services.errors import InvalidInput

SUMS, SIGNATURE, PUBLIC_KEY = "SHA256SUMS", "SHA256SUMS.sig", "SIGNING_KEY.pub"
ENV = "ANNOTATE_SIGNING_KEY"


def generate_key() -> tuple[str, str]:
    """A new key pair: (private key, public key), each the raw 32 bytes in base64."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode(), public_text(key.public_key())


def public_text(key: Ed25519PublicKey) -> str:
    """The public key's raw 32 bytes in base64."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{what} is not base64") from None
    if len(raw) != 32:
        raise InvalidInput(f"{what} must be 32 bytes (base64 of a raw Ed25519 key)")
    return raw


def load_private_key(text: str | None = None) -> Ed25519PrivateKey | None:
    """The signing key from ``text`` or ``ANNOTATE_SIGNING_KEY``; None when neither is set."""
    text = text if text is not None else os.environ.get(ENV)
    if not text:
        return None
    return Ed25519PrivateKey.from_private_bytes(_decode(text, ENV))


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its base64 text."""
    return Ed25519PublicKey.from_public_bytes(_decode(text, "the public key"))


def write_sums(folder: Path, names: list[str], key: Ed25519PrivateKey | None) -> list[Path]:
    """Write SHA256SUMS (and, with a key, its signature and the public key)."""
    lines = [
        f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}"
        for name in sorted(names)
    ]
    sums = ("\n".join(lines) + "\n").encode()
    (folder / SUMS).write_bytes(sums)
    written = [folder / SUMS]
    if key is not None:
        (folder / SIGNATURE).write_text(base64.b64encode(key.sign(sums)).decode() + "\n")
        (folder / PUBLIC_KEY).write_text(public_text(key.public_key()) + "\n")
        written += [folder / SIGNATURE, folder / PUBLIC_KEY]
    return written


@dataclass
class Verification:
    """What ``dossier verify`` found; ``ok`` only if every file and the signature check out."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    signed_by: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def verify_bundle(folder: Path, public_key: str | None = None) -> Verification:
    """Check every digest of ``folder/SHA256SUMS``, that it lists every file, and the signature
    (against ``public_key`` if given, else the bundle's own ``SIGNING_KEY.pub``)."""
    result = Verification()
    sums_path = folder / SUMS
    if not sums_path.is_file():
        result.problems.append(f"{SUMS} is missing")
        return result
    sums = sums_path.read_bytes()
    listed = set()
    for line in sums.decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        listed.add(name)
        if "/" in name or name.startswith(".") or not path.is_file():
            result.problems.append(f"{name}: listed but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            result.problems.append(f"{name}: content does not match its sha256")
        else:
            result.checked += 1
    extra = {p.name for p in folder.iterdir() if p.is_file()} - listed
    extra -= {SUMS, SIGNATURE, PUBLIC_KEY}
    result.problems += [f"{name}: not listed in {SUMS}" for name in sorted(extra)]
    signature_path = folder / SIGNATURE
    if not signature_path.is_file():
        result.problems.append(f"{SIGNATURE} is missing: the bundle is not signed")
        return result
    key_text = public_key or (
        (folder / PUBLIC_KEY).read_text().strip() if (folder / PUBLIC_KEY).is_file() else ""
    )
    if not key_text:
        result.problems.append("no public key to check the signature against")
        return result
    try:
        key = load_public_key(key_text)
        key.verify(base64.b64decode(signature_path.read_text().strip()), sums)
        result.signed_by = key_text
    except (InvalidSignature, InvalidInput, binascii.Error, ValueError):
        result.problems.append(f"{SIGNATURE}: the signature does not match {SUMS}")
    return result
