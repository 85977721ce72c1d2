"""``annotate keys generate``: the Ed25519 key pair that signs compliance dossiers (no app)."""

from __future__ import annotations

import click


@click.group("keys")
def keys_group() -> None:
    """Signing keys for dossiers."""


@keys_group.command("generate")
def keys_generate_command() -> None:
    """Print a new Ed25519 key pair: set the private one as ANNOTATE_SIGNING_KEY."""
    from annotate.services.quality.dossier.signing import generate_key

    private, public = generate_key()
    click.echo(f"ANNOTATE_SIGNING_KEY={private}")
    click.echo(f"# public key (printed in every dossier signed with it): {public}")
