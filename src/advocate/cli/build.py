"""``advocate build``, ``merge`` and ``verify``: every document of every campaign into an
output folder, shards joined, a build checked against its manifest."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from advocate.cli.common import (
    JSON_KIND,
    app,
    fail,
    handles_errors,
    progress_bar,
    say,
    signer_rows,
    signer_source,
    warn,
)
from advocate.cli.options import (
    BadRowOpt,
    ColumnsOpt,
    DateOpt,
    Dedupe,
    DedupeOpt,
    EncodingOpt,
    IdentityOpt,
    JsonOpt,
    MaxSizeOpt,
    OnBadRow,
    Paper,
    PaperOpt,
    PassphraseFdOpt,
    PassphraseFileOpt,
    SheetOpt,
    SignersOpt,
    TemplatesOpt,
)
from advocate.errors import AdvocateError, Problem, counted

if TYPE_CHECKING:
    from advocate.shard import Shard


@app.command(epilog="Example: advocate build kazakhstan-2022 --signers signers.csv -o out/")
@handles_errors
def build(
    campaigns: Annotated[list[str], typer.Argument(
        help="Campaign files, bundled ids, or folders of campaign files.",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                          metavar="DIR")]
    = Path("out"),
    signers: SignersOpt = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    encoding: EncodingOpt = None,
    dedupe: DedupeOpt = Dedupe.error,
    columns: ColumnsOpt = None,
    sheet_name: SheetOpt = None,
    max_signers_size: MaxSizeOpt = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for the letters (default: every core).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files from an earlier "
                                        "build.")] = False,
    as_json: JsonOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be written; "
                                          "write nothing.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Treat warnings as errors: exit 2 and write nothing.")] = False,
    letter_date: DateOpt = None,
    formats: Annotated[str, typer.Option(
        "--formats", help="Letter formats, comma-separated: txt, eml, pdf, md, html.")]
    = "txt,eml,pdf",
    documents: Annotated[bool, typer.Option(
        "--documents/--no-documents", help="Also write the brief, petition and signature "
        "sheet (--no-documents: only the letters, index.html and manifest.json).")] = True,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Write the brief, petition, sheet, index page and action page in this "
        "one language (default: the brief, petition and sheet in every language of the "
        "campaign, brief.pdf in its own and brief.es.pdf... in each translation). It changes "
        "no letter: each is in its target's language.", show_default=False)] = None,
    templates: TemplatesOpt = None,
    paper: PaperOpt = Paper.a4,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Build, then build again whenever a campaign, the signer list or a "
        "template changes, until Ctrl-C (each rebuild overwrites the last).")] = False,
    site: Annotated[bool, typer.Option(
        "--site", help="Also write the action page (as `advocate site`) into each "
        "campaign's folder: under site/ in the campaign's language, and under site/LANG/ in "
        "each of its other languages (with --lang, that one page only).")] = False,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Render only shard K of N (K from 0): the letters of the signers on "
        "rows r with (r-1) mod N = K. auto/N takes K from ADVOCATE_SHARD_INDEX, "
        "JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID. Join the shards with `advocate merge`.",
        metavar="K/N", show_default=False)] = None,
    on_bad_row: BadRowOpt = OnBadRow.error,
    documents_shard: Annotated[int | None, typer.Option(
        "--documents-shard", min=0, help="With --shard: the shard that renders the brief, "
        "petition and sheet (default: none does, `advocate merge` renders them).",
        metavar="D", show_default=False)] = None,
    encrypt_to: Annotated[list[str] | None, typer.Option(
        "--encrypt-to", metavar="RECIPIENT", help="Write the output as one archive, "
        "OUT.tar.age, encrypted with age to this public key (age1..., ssh-...) or the keys in "
        "this file (repeatable); staged in memory where it can be. Open it: age -d -i key.txt "
        "OUT.tar.age | tar x", show_default=False)] = None,
    encrypt_passphrase_file: Annotated[Path | None, typer.Option(
        "--encrypt-passphrase-file", metavar="FILE", help="As --encrypt-to, to the passphrase "
        "on this file's first line (age -p; open it: age -d OUT.tar.age | tar x).")] = None,
) -> None:
    """Every document of every campaign: brief, petition, sheet, a letter per signer and
    target (txt, eml, pdf), an index.html (in pages of 2,000 letters past that) and a
    manifest.json. All or nothing."""
    from advocate import build as builder
    from advocate.campaigns import expand_campaigns, resolve_campaign
    from advocate.output.sealed import sealed_build

    if as_json:
        JSON_KIND.set("build")
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    builder.check_formats(wanted)
    share = _shard_wanted(shard, documents_shard, watch=watch, once=dry_run or as_json)
    paths = [resolve_campaign(name) for name in expand_campaigns(campaigns)]
    sealing = sealed_build(output, encrypt_to, force=force, inputs=[*paths, *filter(None, [
        signers])], refuse={"--watch": watch, "--dry-run": dry_run, "--shard": shard},
        passphrase_file=encrypt_passphrase_file)

    def once(overwrite: bool) -> None:
        loaded = []
        if signers is not None:
            from advocate.schema.campaign import load_campaign

            loaded = [load_campaign(path) for path in paths]
        from advocate.signers.skipped import build_reports, pointing_to_report

        notices: list[Problem] = []
        source = signer_source(signers, encoding=encoding, dedupe=dedupe, columns=columns,
                               sheet=sheet_name, max_size=max_signers_size,
                               on_bad_row=on_bad_row)
        rows = signer_rows(source, loaded, notices=notices)
        reports = build_reports(rows)
        if reports:
            notices = pointing_to_report(notices, output)
        with progress_bar(enabled=not dry_run) as progress, sealing or contextlib.nullcontext():
            warn(sealing.notices if sealing else [])  # where the plaintext is staged
            options = builder.BuildOptions(
                templates=templates, formats=tuple(wanted), lang=lang, paper=paper.value,
                documents=documents, site=site, shard=share, jobs=jobs, force=overwrite,
                dry_run=dry_run, strict=strict,
                day=letter_date.date() if letter_date else None)
            result = builder.build(paths, sealing.folder if sealing else output, options,
                                   signers=rows, progress=progress,
                                   inputs=[signers] if signers else [],
                                   signer_source=source, notices=notices, reports=reports)
        warn(result.warnings)
        if as_json:
            from advocate import json_output

            json_output.write(result.summary(), sys.stdout, files=result.files)
        elif dry_run:
            typer.echo("\n".join(str(output / p) for p in result.files))
        else:
            dropped = max((c.get("dropped_duplicates", 0) for c in result.campaigns), default=0)
            say(f"wrote {counted(len(result.files), 'file')} to {sealing or output} in "
                f"{result.seconds:.1f} s" + (
                    f" ({counted(dropped, 'duplicate signer row')} dropped)" if dropped else ""))

    if not watch:
        once(force)
        return
    from advocate.watch import watch as watch_inputs
    from advocate.watch import watched_paths

    built: list[bool] = []

    def rebuild() -> None:
        once(force or bool(built))  # later builds replace this session's own output
        built.append(True)

    say("watching for changes (Ctrl-C stops)")
    watch_inputs(watched_paths(paths, signers, templates), rebuild, on_error=fail)


def _shard_wanted(shard: str | None, documents_shard: int | None, *, watch: bool,
                  once: bool) -> Shard | None:
    """--shard K/N and --documents-shard D as a Shard; the options that contradict them, or
    --watch (--dry-run and --json build once), refused."""
    share = None
    if shard is not None:
        from advocate.shard import parse_shard

        share = parse_shard(shard, documents=documents_shard)
        if watch:
            raise AdvocateError("--shard cannot be combined with --watch",
                                hint="build the shards, then `advocate merge` them")
    elif documents_shard is not None:
        raise AdvocateError("--documents-shard needs --shard K/N")
    if watch and once:
        raise AdvocateError("--watch cannot be combined with --dry-run or --json",
                            hint="--watch keeps building until Ctrl-C")
    return share


@app.command("merge", epilog="Example: advocate merge out/shard-0 out/shard-1 -o out/all")
@handles_errors
def merge(
    shard_dirs: Annotated[list[Path], typer.Argument(
        help="The output folders of `advocate build --shard K/N`, one per shard.",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                          metavar="DIR")]
    = Path("out"),
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help="Worker processes for a long petition's PDF (default: "
        "every core).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files from an earlier "
                                        "build.")] = False,
    as_json: JsonOpt = False,
    campaign: Annotated[list[str] | None, typer.Option(
        "--campaign", help="Where a campaign file is now, if not where the shards read it "
        "(repeatable; checked by its sha256).", show_default=False)] = None,
    signers: Annotated[Path | None, typer.Option(
        "--signers", help="Where the signer list is now, if not where the shards read it "
        "(checked by its sha256).", show_default=False)] = None,
    passphrase_file: PassphraseFileOpt = None,
    passphrase_fd: PassphraseFdOpt = None,
    identity: IdentityOpt = None,
    templates: Annotated[Path | None, typer.Option(
        "--templates", help="Where the --templates folder of the shards is now, if it moved "
        "(checked by its hash).", show_default=False)] = None,
) -> None:
    """Join the shards of one build into one output, exactly as one unsharded build would
    write it (one manifest.json, one index). Refuses shards of different campaigns,
    inputs, options or versions, and missing or overlapping shards. Reads the campaign,
    signer list and templates again from where the shards read them (or from --campaign,
    --signers, --templates). All or nothing."""
    from advocate.campaigns import resolve_campaign
    from advocate.merge import merge as join

    if as_json:
        JSON_KIND.set("build")
    with progress_bar(enabled=True, label="merging") as progress:
        result = join(shard_dirs, output, force=force, jobs=jobs, progress=progress,
                      campaigns=[resolve_campaign(name) for name in campaign or []],
                      signers=signers, templates=templates)
    warn(result.warnings)
    if as_json:
        from advocate import json_output

        json_output.write(result.summary("merge"), sys.stdout, files=result.files)
    else:
        say(f"merged {counted(len(shard_dirs), 'shard')}: wrote "
            f"{counted(len(result.files), 'file')} to {output} in {result.seconds:.1f} s")


@app.command(epilog="Example: advocate verify out/")
@handles_errors
def verify(
    folder: Annotated[Path, typer.Argument(
        help="The -o folder of `advocate build` (or of `advocate merge`), or one campaign's "
        "folder in it.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """Check a build's files against its manifest.json: every file listed is there, with
    its size and sha256. Exit 0, or 2 with each file missing or changed; files no
    manifest lists are warnings."""
    from advocate.verify import verify_build

    if as_json:
        JSON_KIND.set("verify")
    report = verify_build(folder)
    warn(p for p in report.problems if p.severity == "warning")
    if as_json:
        from advocate import json_output

        json_output.write(json_output.envelope(
            "verify", report.problems, folder=str(report.folder), manifests=report.manifests,
            files=report.files), sys.stdout)
    if not report.ok:
        fail(AdvocateError(problems=[p for p in report.problems if p.severity == "error"]))
        raise typer.Exit(2)
    say(f"ok: {folder}: {counted(report.files, 'file')} match "
        f"{counted(len(report.manifests), 'manifest')}")
