"""One build for every language a campaign has: the documents in each campaign language, each
letter in its target's language, reading copies for signers who read another language, and
what --lang changes (only the documents' language)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advocate.build import BuildOptions, build, plan
from advocate.schema.campaign import load_campaign, load_campaign_checked
from advocate.signers import read_signers
from campaign_fixtures import CAMPAIGN_FIXTURES

BILINGUAL = Path(__file__).parent / "fixtures" / "bilingual"
CAMPAIGN = BILINGUAL / "campaign.yaml"
SIGNERS = BILINGUAL / "signers.csv"
Run = Callable[..., Result]
DOCUMENTS = ("brief.pdf", "brief.html", "petition.pdf", "petition.md", "sheet.pdf")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One text build of the English and Spanish campaign for three signers (one reads
    Spanish, one Chinese, one English), with its documents."""
    campaign = load_campaign(CAMPAIGN)
    signers = read_signers(SIGNERS, columns=dict(campaign.signers.columns)  # type: ignore
                           if campaign.signers else None, languages=campaign.languages)
    out = tmp_path_factory.mktemp("bilingual") / "out"
    result = build([CAMPAIGN], out, BuildOptions(formats=("txt", "eml"), jobs=1), signers=signers)
    messages = [str(w) for w in result.warnings]
    assert any("1 signer(s) read in 'zh', which the campaign has no text in" in m
               for m in messages), messages
    return out / "peru-protests"


def _manifest(folder: Path) -> dict[str, dict[str, object]]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {entry["path"]: entry for entry in data["files"]}


def test_the_documents_come_in_every_campaign_language(built: Path) -> None:
    files = _manifest(built)
    for name in DOCUMENTS:  # the campaign's own language keeps the names it always had
        kind, ext = name.split(".")
        assert files[name]["lang"] == "en"
        assert files[f"{kind}.es.{ext}"]["lang"] == "es"
    assert "# Justicia para los manifestantes asesinados en Perú" in \
        (built / "petition.es.md").read_text(encoding="utf-8")
    assert "# Justice for the protesters killed in Peru" in \
        (built / "petition.md").read_text(encoding="utf-8")


def test_each_letter_is_in_its_targets_language(built: Path) -> None:
    files = _manifest(built)
    langs = {path: entry["lang"] for path, entry in files.items()
             if entry["kind"] == "letter" and str(path).endswith(".txt")}
    assert langs == {f"letters/0000{row}-{target}.txt": lang for row in (1, 2, 3)
                     for target, lang in (("president", "es"), ("un-rapporteur", "en"),
                                          ("embassy", "en"))}  # ar has no text: English
    assert "Le escribo desde Cusco" in \
        (built / "letters/00001-president.txt").read_text(encoding="utf-8")
    assert "I am writing from Cusco" in \
        (built / "letters/00001-un-rapporteur.txt").read_text(encoding="utf-8")


def test_a_signer_who_reads_another_language_gets_a_reading_copy(built: Path) -> None:
    files = _manifest(built)
    copies = sorted(p for p, e in files.items() if e["kind"] == "reading-copy")
    # Rosa reads Spanish: a copy of her English letters; Amal reads English: of her Spanish
    # one; Li reads Chinese, which the campaign has no text in: none.
    assert copies == ["letters/00001-embassy.reading.txt",
                      "letters/00001-un-rapporteur.reading.txt",
                      "letters/00003-president.reading.txt"]
    copy = (built / copies[1]).read_text(encoding="utf-8")
    assert copy.startswith("Copia de lectura: una traducción para que la lea. No se envía;"
                           " la carta\nenviada está en inglés.\n\n")
    assert "Le ruego respetuosamente" in copy  # the Spanish wording...
    assert "Mi sobrino estuvo en Juliaca." in copy  # ...and the note as she wrote it
    sent = (built / "letters/00001-un-rapporteur.txt").read_text(encoding="utf-8")
    assert "Mi sobrino estuvo en Juliaca." in sent and "Copia" not in sent
    english = (built / copies[2]).read_text(encoding="utf-8")
    assert english.startswith("Reading copy: a translation for you to read. It is not sent;")
    assert "in Spanish." in english
    assert not any(p.endswith(".reading.eml") for p in files)  # a copy is never a draft to send


def test_the_index_lists_every_language(built: Path) -> None:
    index = (built / "index.html").read_text(encoding="utf-8")
    assert '<a href="brief.es.pdf" hreflang="es">Brief (pdf, es)</a>' in index
    assert '<a href="petition.md" hreflang="en">Petition (md, en)</a>' in index
    assert "reading copy in Español, not sent:</span> <a href=\"letters/00001-un-rapporteur" \
        ".reading.txt\">txt</a>" in index


def test_lang_changes_only_the_documents_language() -> None:
    campaign = load_campaign(CAMPAIGN)
    signers = read_signers(SIGNERS, columns=dict(campaign.signers.columns),  # type: ignore
                           languages=campaign.languages)
    every = plan(campaign, signers)
    spanish = plan(campaign, signers, lang="es")
    assert [job.path for job in spanish.documents] == [
        "brief.es.pdf", "brief.es.html", "petition.es.pdf", "petition.es.md", "sheet.es.pdf"]
    assert [job.path for job in plan(campaign, signers, lang="en").documents] == \
        list(DOCUMENTS)
    assert len(every.documents) == 10
    assert spanish.letters == every.letters  # not one letter changes
    assert (spanish.lang, every.lang) == ("es", "en")  # the index's language


def test_lang_the_campaign_lacks_is_refused_before_anything(run: Run, tmp_path: Path) -> None:
    result = run("build", str(CAMPAIGN), "-o", str(tmp_path / "out"), "--lang", "fr")
    assert result.exit_code == 2
    assert "campaign 'peru-protests' has no 'fr' text" in result.stderr
    assert "languages: en, es" in result.stderr
    assert not (tmp_path / "out").exists()


def test_build_help_says_what_lang_changes(run: Run) -> None:
    text = " ".join(run("build", "--help").stdout.split())
    assert "It changes no letter: each is in its target's language." in text


def test_a_target_language_without_text_is_a_located_warning(run: Run) -> None:
    _, warnings = load_campaign_checked(CAMPAIGN)
    line = next(i for i, text in enumerate(CAMPAIGN.read_text(encoding="utf-8").splitlines(),
                                           start=1) if text.strip() == "language: ar")
    [found] = [w for w in warnings if "'ar'" in w.message]
    assert (found.line, found.column, found.severity) == (line, 15, "warning")
    assert found.message == ("target 'embassy': the campaign has no 'ar' text, so its letters "
                             "are written in 'en'")
    result = run("validate", str(CAMPAIGN))
    assert result.exit_code == 0
    assert f"campaign.yaml:{line}:15: target 'embassy'" in result.stderr


def test_a_spanish_first_campaign_with_a_google_forms_sheet(
        run: Run, tmp_path: Path) -> None:
    """The site helper's peru-2023: Spanish first, English translation, a Spanish form."""
    campaign = CAMPAIGN_FIXTURES / "peru-2023" / "peru-2023.yaml"
    sheet = CAMPAIGN_FIXTURES / "peru-2023" / "google-forms-es.csv"
    out = tmp_path / "out"
    result = run("build", str(campaign), "--signers", str(sheet), "-o", str(out),
                 "--formats", "txt", "--no-documents", "--json")
    assert result.exit_code == 0, result.stderr
    files = _manifest(out / "peru-2023")
    letters = {e["target"]: e["lang"] for e in files.values() if e["kind"] == "letter"}
    assert set(letters.values()) == {"es", "en"}
    spanish = next(p for p, e in files.items() if e["kind"] == "letter" and e["lang"] == "es"
                   and e["signer_row"] == 1)
    assert "Cusco, Perú" in (out / "peru-2023" / spanish).read_text(encoding="utf-8")
    english = next(p for p, e in files.items() if e["kind"] == "letter" and e["lang"] == "en"
                   and e["signer_row"] == 1)
    assert "Cusco, Peru" in (out / "peru-2023" / english).read_text(encoding="utf-8")


def test_shards_with_reading_copies_merge_into_the_single_build(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    import subprocess

    from test_merge import assert_same_output, build_shards, cli, single_build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1768435200")
    options = ["--formats", "txt,eml", "--no-documents"]
    single = single_build(CAMPAIGN, SIGNERS, tmp_path / "single", options)
    shards = build_shards(CAMPAIGN, SIGNERS, tmp_path, 2, options)
    merged = subprocess.run(cli("merge", *shards, "-o", tmp_path / "merged"),
                            capture_output=True, text=True, check=False, timeout=600)
    assert merged.returncode == 0, merged.stderr
    assert_same_output(single, tmp_path / "merged")
    assert (tmp_path / "merged" / "peru-protests" / "letters" /
            "00003-president.reading.txt").is_file()


def test_a_reading_copys_notice_stands_above_the_subject_on_paper() -> None:
    """The sender's block is at the top of a printed letter: the notice goes just above the
    subject there (and first in the text)."""
    from advocate.render.documents import Renderer, Writer
    from advocate.render.reading import notice, reading_copy

    renderer = Renderer(load_campaign(CAMPAIGN))
    letter = renderer.letter("un-rapporteur", Writer("Rosa", "Cusco"), "es")
    copy = reading_copy(letter, "en")
    line = notice("es", "en")
    assert line == ("Copia de lectura: una traducción para que la lea. No se envía; la carta "
                    "enviada está en inglés.")
    head, _, rest = copy.markdown.partition("::: review")
    assert "::: sender" in head and rest.index(line) < rest.index("## Justicia")
    assert copy.text().startswith("Copia de lectura:")
    assert notice("qu", "es").startswith("Reading copy:")  # no words for Quechua: English
    assert "Spanish" in notice("qu", "es")
