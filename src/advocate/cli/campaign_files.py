"""``advocate list``, ``new`` and ``schema``: the bundled campaigns, a new campaign's skeleton,
the JSON Schemas."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from advocate.cli.common import JSON_KIND, app, handles_errors, say
from advocate.cli.options import JsonOpt
from advocate.errors import AdvocateError


@app.command("list", epilog="Example: advocate list")
@handles_errors
def list_(as_json: JsonOpt = False) -> None:
    """List the bundled campaigns (with their languages) and the built-in templates."""
    from advocate.campaigns import catalogue, catalogue_data

    if as_json:
        from advocate import json_output

        JSON_KIND.set("list")
        json_output.write(json_output.envelope("list", **catalogue_data()), sys.stdout)
        return
    typer.echo("\n".join(catalogue()))


@app.command(epilog="Example: advocate new my-campaign --templates. Example: advocate new "
             "--lang az --dir campaigns/ (wording templates for Azerbaijani beside the "
             "campaign)")
@handles_errors
def new(
    name: Annotated[str | None, typer.Argument(
        help="The new campaign's id (lowercase, hyphens); optional with --lang.",
        show_default=False)] = None,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where to write it.")]
    = Path("."),
    templates: Annotated[bool, typer.Option(
        "--templates", help="Also copy the built-in templates into templates/ to edit.")]
    = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="CODE", help="Write wording templates for a new language into "
        "templates/CODE/ (the English wording, each line to translate marked). Never "
        "overwrites.", show_default=False)] = None,
) -> None:
    """Write a campaign skeleton that validates, with comments that teach the format; or,
    with --lang, the wording templates for a new language beside the campaign."""
    from advocate.scaffold import scaffold, wording_templates

    if name is None and lang is None:
        raise AdvocateError("advocate new needs a campaign id, or --lang CODE",
                            hint="advocate new my-campaign, or advocate new --lang az")
    written = scaffold(name, directory, templates=templates) if name is not None else []
    if lang is not None:
        written += wording_templates(lang, directory)
    for path in written:
        say(f"wrote {path}")


class SchemaName(StrEnum):
    campaign = "campaign"
    build = "build"
    check = "check"
    validate = "validate"
    list = "list"
    verify = "verify"
    manifest = "manifest"
    signers_osdi = "signers-osdi"


@app.command(epilog="Example: advocate schema > campaign.schema.json. Example: advocate "
             "schema build > build-1.schema.json")
@handles_errors
def schema(
    name: Annotated[SchemaName, typer.Argument(
        help="Which: the campaign format, or a JSON output (build is also merge's; "
        "signers-osdi is `signers --to osdi-json`).")] = SchemaName.campaign,
) -> None:
    """Print a JSON Schema: of the campaign format (for editors), or of a JSON output.

    Every --json output and manifest.json says which schema it follows in its "schema" key
    (e.g. "build-1.schema.json"; the number is the major version)."""
    if name is SchemaName.campaign:
        from advocate.schema.campaign import campaign_schema

        typer.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))
        return
    from advocate.json_output import schema_text

    sys.stdout.write(schema_text(name.value))
