"""The campaign model: pydantic classes for the campaign format, and validation of a file.

The pydantic models are the single definition of the format: validation, the JSON Schema
(``advocate schema``) and the editor support all come from them. Validation reports every
problem of a file in one pass, each at its ``file:line:col`` (positions come from
:mod:`advocate.schema.load`), with a hint: unknown keys get "did you mean", broken references
name the ids that exist.

Translatable text (:data:`Text`) is either a plain string, the same in every language, or
a mapping from language code to text.
"""


# (No ``from __future__ import annotations`` here: Pydantic then reads the annotations
# as they are, instead of evaluating each one from a string when the models are built.)
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
)

from advocate.errors import AdvocateError, Problem, did_you_mean
from advocate.pathlike import StrPath, as_path
from advocate.schema.fields import (
    Country,
    Email,
    Figure,
    IsoDate,
    Lang,
    Line,
    OneLine,
    PageWord,
    Slug,
    SourceRefs,
    Text,
    Url,
)
from advocate.schema.load import YamlDocument, load_yaml
from advocate.schema.references import _references, _translation_warnings
from advocate.schema.variants import VARIANTS, Variants, variant_problems

FORMAT_VERSION = 1
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False,
                              defer_build=True)


class Organisation(_Strict):
    """The organisation behind the campaign: named in footers and as a sender."""

    name: OneLine
    url: Url | None = None
    email: Email | None = None


class Translation(_Strict):
    """A language the campaign text is translated into, and whether a native speaker checked it."""

    reviewed: bool = Field(False, description="true once a native speaker has reviewed it")
    note: str | None = None


class Source(_Strict):
    """Where a fact or quote comes from: cited by number in the brief."""

    id: Slug
    title: Line
    publisher: Line
    date: IsoDate | None = None
    url: Url | None = None


class Deadline(_Strict):
    """A date that matters to the campaign (a trial, a UN session, a decision): it goes into
    ``advocate followup``'s calendar file."""

    date: IsoDate
    title: OneLine = Field(description="one line: what happens that day")
    target: Slug | None = Field(None, description="the target it concerns, if one")
    note: Text | None = None


class Fact(_Strict):
    """One thing that happened, with its source."""

    text: Text
    figure: Figure | None = Field(
        None, description="headline figure for the brief: \"164\", 164, or one per "
        "language like any text")
    label: Text | None = Field(None, description="caption for the figure")
    source: SourceRefs = Field(description="a source id, or a list of them")


class Quote(_Strict):
    """Something said by someone whose words carry weight."""

    text: Text
    speaker: Text
    role: Text | None = None
    source: Slug


class Ask(_Strict):
    """One thing the campaign asks for."""

    id: Slug
    title: OneLine = Field(description="one line, stated as a request")
    text: Text = Field(description="Markdown paragraph stating the ask in full")
    thanks: OneLine | None = Field(
        None, description="one line thanking a target that has already acted on this ask "
        "(a target's acted:): 'Thank you for releasing the detained protesters.'")


class Target(_Strict):
    """Someone the campaign writes to."""

    id: Slug
    name: OneLine
    title: OneLine
    salutation: OneLine
    address: Text | None = Field(None, description="postal address, one line per line")
    email: Email | None = None
    language: Lang | None = Field(None, description="the default language of letters to them")
    asks: list[Slug] | None = Field(None, description="ask ids; default all asks")
    acted: list[Slug] = Field(
        default_factory=list, description="ask ids this target has already acted on: its "
        "letters thank it for them (the ask's thanks:) and never urge them")
    intermediary: bool = Field(
        False, description="true for someone asked to press the authorities rather than act "
        "themselves (a UN body, a foreign government): letters ask them to call for the asks")


class PostalAddress(_Strict):
    """A postal address in parts, laid out on envelopes in its country's format."""

    country: Country = Field(description="ISO 3166 code of the country: RU, US, KZ")
    lines: list[Line] = Field(min_length=1, description="institution, street and house")
    city: Line
    region: Line | None = Field(None, description="state, oblast or province")
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None


class Detainee(_Strict):
    """Someone the campaign is about who is held, and where mail reaches them."""

    id: Slug
    name: OneLine = Field(description="the full name mail must carry")
    address: PostalAddress
    prison_mail: Slug = Field(
        "generic", description="the prison's mail rules: a bundled profile id "
        "(russia-fsin, us-federal, generic)")
    number: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        None, description="register or prisoner number, where the prison uses one")
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = Field(
        None, description="year of birth, where mail must carry it (Russia)")
    language: Lang | None = Field(None, description="the language cards to them are in")


SignerField = Literal["name", "email", "city", "country", "note", "public", "address", "lang"]
ColumnTitle = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SignerColumns(_Strict):
    """How to read this campaign's signer lists (``--columns`` and ``--sheet-name`` win)."""

    columns: dict[SignerField, ColumnTitle | Annotated[list[ColumnTitle], Field(min_length=1)]] \
        = Field(default_factory=dict, description="signer field -> the list's column title; "
                "name may join several columns, e.g. [First Name, Last Name]")
    sheet: ColumnTitle | None = Field(default=None, description="the spreadsheet's sheet")


#: The rules of ``advocate check``, by code (``--ignore CODE``, ``check: {ignore: [CODE]}``).
CHECK_RULES = {
    "uncited-source": "a source no fact or quote cites",
    "source-after-as-of": "a source dated after as_of",
    "stale-facts": "facts last checked more than --max-age days ago",
    "future-as-of": "as_of in the future",
    "unsent-ask": "an ask no target receives",
    "unreachable-target": "a target with no address and no email",
    "quoted-salutation": "a salutation inside quotation marks",
    "untranslated-template": "wording template lines still marked for translation",
    "shouting": "capitals or '!!' in the campaign's text",
    "letter-salutation": "a letter without its salutation",
    "letter-ask-missing": "a letter that leaves out one of its target's asks",
    "letter-sender": "a letter that does not name its sender",
    "letter-shouts": "a letter whose template writes words in capitals",
    "letter-pages": "a letter longer than one page",
    "brief-pages": "a brief longer than two pages",
    "unused-variant": "a slot of variants: no letter's wording prints",
}
CheckCode = Literal[
    "uncited-source", "source-after-as-of", "stale-facts", "future-as-of", "unsent-ask",
    "unreachable-target", "quoted-salutation",
    "untranslated-template", "shouting", "letter-salutation", "letter-ask-missing",
    "letter-sender", "letter-shouts", "letter-pages", "brief-pages", "unused-variant"]


class CheckSettings(_Strict):
    """How ``advocate check`` treats this campaign."""

    ignore: list[CheckCode] = Field(
        default_factory=list, description="codes of check rules not to report, e.g. "
        "[stale-facts] for a campaign about the past")
class PageWords(_Strict):
    """The action page's own words (labels, buttons, the privacy line) in one language,
    supplied or corrected by the campaign (``advocate site``); any left out come from
    advocate's own words in that language, else English. The English of each is in
    src/advocate/site/strings.json; docs/campaign-format.md lists them."""

    write: PageWord | None = None
    target: PageWord | None = None
    all: PageWord | None = None
    language: PageWord | None = None
    target_lang: PageWord | None = None
    reading: PageWord | None = None
    reading_none: PageWord | None = None
    reading_note: PageWord | None = None
    name: PageWord | None = None
    city: PageWord | None = None
    email: PageWord | None = None
    country: PageWord | None = None
    address: PageWord | None = None
    note: PageWord | None = None
    remember: PageWord | None = None
    remember_file: PageWord | None = None
    forget: PageWord | None = None
    forgotten: PageWord | None = None
    letter: PageWord | None = None
    copy_text: PageWord | None = Field(None, alias="copy")  # BaseModel has a copy()
    mail: PageWord | None = None
    eml: PageWord | None = None
    print: PageWord | None = None
    webmail: PageWord | None = None
    facts: PageWord | None = None
    sources: PageWord | None = None
    documents: PageWord | None = None
    brief: PageWord | None = None
    petition: PageWord | None = None
    private: PageWord | None = None
    kept: PageWord | None = None
    nojs: PageWord | None = None
    copied: PageWord | None = None
    skip: PageWord | None = None
    exit: PageWord | None = None
    exit_key: PageWord | None = None


class Campaign(_Strict):
    """A campaign: what happened, what we ask for, and whom we ask."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        defer_build=True,
        title="advocate campaign",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    advocate: Literal[1] = Field(description="format version")
    id: Slug
    title: OneLine
    summary: Text
    language: Lang = "en"
    translations: dict[Lang, Translation] = Field(default_factory=dict)
    as_of: IsoDate = Field(description="when the facts were last checked")
    url: Url | None = None
    organisation: Organisation | None = None
    background: Text | None = None
    closing: Text | None = Field(
        None, description="optional closing sentence of every letter, before the thanks: "
        "the campaign's own grounds (\"International law is clear that ...\"); the "
        "built-in wording stays neutral")
    facts: list[Fact] = Field(min_length=1)
    quotes: list[Quote] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    asks: list[Ask] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    deadlines: list[Deadline] = Field(
        default_factory=list, description="dates that matter: a trial, a session, a decision "
        "(advocate followup puts them in its calendar file)")
    signers: SignerColumns | None = None
    detainees: list[Detainee] = Field(
        default_factory=list, description="people held, and where solidarity mail reaches "
        "them (advocate kit)")
    check: CheckSettings | None = None
    page_words: dict[Lang, PageWords] = Field(
        default_factory=dict, description="the action page's own words by language code "
        "(labels, buttons): supply a language advocate lacks, or correct its words")

    variants: Variants = VARIANTS

    _document: YamlDocument | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file this campaign was loaded from, if any."""
        if self._document is None or self._document.filename.startswith("<"):
            return None
        return Path(self._document.filename)

    @property
    def document(self) -> YamlDocument | None:
        """The loaded YAML behind this campaign (positions for later checks)."""
        return self._document

    @property
    def languages(self) -> list[str]:
        """The campaign language, then every declared translation."""
        return [self.language, *[lang for lang in self.translations if lang != self.language]]

    def target(self, target_id: str) -> Target:
        for target in self.targets:
            if target.id == target_id:
                return target
        known = ", ".join(t.id for t in self.targets)
        raise AdvocateError(f"no target '{target_id}' in campaign '{self.id}'",
                            hint=did_you_mean(target_id, [t.id for t in self.targets])
                            or f"targets: {known}")

    def asks_for(self, target: Target) -> list[Ask]:
        """The asks a target is urged to act on, in campaign order (never one it has
        acted on)."""
        done = set(target.acted)
        if target.asks is None:
            return [ask for ask in self.asks if ask.id not in done]
        wanted = set(target.asks)
        return [ask for ask in self.asks if ask.id in wanted and ask.id not in done]

    def acted_for(self, target: Target) -> list[Ask]:
        """The asks a target has already acted on (it is thanked for them), in campaign
        order."""
        done = set(target.acted)
        return [ask for ask in self.asks if ask.id in done]

    def source_numbers(self) -> dict[str, int]:
        """Sources numbered from 1, in file order, for citations."""
        return {source.id: number for number, source in enumerate(self.sources, 1)}


def _model_for(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that the mapping at ``path`` is validated against."""
    model: type[BaseModel] = Campaign
    keyed = False  # the model's field was a mapping by key (translations, page_words)
    for part in path:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        found = None
        for candidate in (Organisation, Source, Fact, Quote, Ask, Target, Translation,
                          Detainee, PostalAddress, Deadline, PageWords):
            if candidate is annotation or candidate.__name__ in str(annotation):
                found = candidate
                break
        if found is None:
            return None
        model = found
        keyed = get_origin(annotation) is dict
    return model


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return "text"


def _key_before(data: Any, loc: tuple[Any, ...]) -> str:
    """The key before the last one of ``loc`` in its mapping (for a hint), else "key"."""
    for part in loc[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return "key"
    keys = list(data) if isinstance(data, dict) else []
    at = keys.index(loc[-1]) if loc and loc[-1] in keys else 0
    return str(keys[at - 1]) if at > 0 else "key"


def _problem_from_pydantic(doc: YamlDocument, error: Any) -> Problem:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and (
        "[" in part or part in {"str", "int", "dict", "list", "function-before",
                                "function-after", "literal", "constrained-str"})))
    kind = error["type"]
    field_name = loc[-1] if loc else ""
    hint: str | None = None
    if kind == "extra_forbidden":
        return _unknown_key(doc, loc, error)
    elif kind == "missing":
        message = f"missing required key '{field_name}'"
        hint = (f"add `advocate: {FORMAT_VERSION}`" if loc == ("advocate",)
                else f"add `{field_name}:`")
        return doc.problem(loc[:-1], message, hint)
    elif kind == "literal_error" and loc == ("advocate",):
        message = f"unsupported format version {error['input']!r}"
        hint = f"this version of advocate reads `advocate: {FORMAT_VERSION}`"
    elif kind in ("string_type", "model_type", "list_type", "dict_type", "model_attributes_type"):
        expected = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping"}.get(
            kind, "a mapping")
        message = f"'{field_name}' should be {expected}, not {_describe(error['input'])}"
        if kind == "string_type" and isinstance(error["input"], bool | int):
            hint = "put it in quotes"
    elif kind == "too_short":
        message = f"'{field_name}' needs at least one entry"
    elif kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        length = len(error["input"]) if isinstance(error["input"], str) else None
        message = f"{field_name}: at most {limit} characters" + (
            f" (this one has {length})" if length is not None else "")
    elif (kind == "string_pattern_mismatch" and field_name == "language") or (
            loc and loc[0] in ("translations", "page_words") and len(loc) == 2):
        message = f"'{error['input']}' is not a language code"
        hint = "use a BCP 47 code such as en, ru or kk"
    elif kind == "bool_type" or kind == "bool_parsing":
        message = f"'{field_name}' should be true or false"
    else:
        message = _field_message(error, field_name)
    return doc.problem(loc, message, hint, at_value=True)


def _unknown_key(doc: YamlDocument, loc: tuple[Any, ...], error: Any) -> Problem:
    """A key the model does not have: the closest it has, or all of them."""
    field_name = loc[-1] if loc else ""
    parent = _model_for(loc[:-1])
    choices = [info.alias or name for name, info in parent.model_fields.items()] \
        if parent else []
    hint = did_you_mean(str(field_name), choices) or (
        f"allowed keys: {', '.join(choices)}" if choices else None)
    if error["input"] is None and " " in str(field_name).strip():
        # {note: machine-assisted, checked by one volunteer}: the comma ended the value
        hint = (f"a comma inside {{...}} starts a new key: put the value in quotes, "
                f"e.g. {_key_before(doc.data, loc)}: \"..., {field_name}\"")
    return doc.problem(loc, f"unknown key '{field_name}'", hint)


def _field_message(error: Any, field_name: Any) -> str:
    """The message of a field's own check (pydantic's, or one of fields.py's types), in
    lower case, named by the field."""
    message: str = error["msg"]
    if message and message[0].isupper() and not message.startswith("'"):
        message = message[0].lower() + message[1:]
    if error["type"] in ("slug", "iso_date", "url", "email", "text_type", "empty_text",
                         "language", "one_line", "figure", "country", "variants"):
        message = f"{field_name}: {message}" if isinstance(field_name, str) else message
    return message


def _language_fallbacks(campaign: Campaign, doc: YamlDocument) -> Iterator[Problem]:
    """A target whose language the campaign has no text in: its letters are written in the
    campaign's language instead (a warning at the target's ``language:``)."""
    for index, target in enumerate(campaign.targets):
        if target.language and target.language not in campaign.languages:
            yield doc.problem(
                ("targets", index, "language"),
                f"target '{target.id}': the campaign has no '{target.language}' text, so its "
                f"letters are written in '{campaign.language}'",
                f"add `{target.language}:` under translations: and translate the fields, or "
                f"set this target's language to one of {', '.join(campaign.languages)}",
                severity="warning", at_value=True)


def validate_document(doc: YamlDocument) -> tuple[Campaign, list[Problem]]:
    """Validate loaded YAML as a campaign: the campaign and its warnings, or every error."""
    if not isinstance(doc.data, dict):
        raise AdvocateError("expected a mapping of keys (advocate: 1, id: ..., title: ...)",
                            file=doc.filename, line=1, column=1,
                            hint="a campaign file is a YAML mapping, not a list or a value")
    problems: list[Problem] = []
    campaign: Campaign | None = None
    try:
        campaign = Campaign.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_problem_from_pydantic(doc, error) for error in exc.errors())
    varied = variant_problems(doc)
    problems += [*_references(doc), *(p for p in varied if p.severity == "error")]
    if problems or campaign is None:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise AdvocateError(problems=problems)
    campaign._document = doc
    warnings = [*_translation_warnings(doc), *_language_fallbacks(campaign, doc),
                *(p for p in varied if p.severity == "warning")]
    return campaign, warnings


def load_campaign(path: StrPath) -> Campaign:
    """Load and validate a campaign file (warnings dropped: see load_campaign_checked)."""
    return load_campaign_checked(path)[0]


def load_campaign_checked(path: StrPath) -> tuple[Campaign, list[Problem]]:
    """Load and validate a campaign file: the campaign and its warnings, or raise every error."""
    return validate_document(load_yaml(as_path(path)))


def campaign_schema() -> dict[str, Any]:
    """The JSON Schema of the campaign format, generated from the model."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://advocate-toolkit.invalid/campaign.schema.json"
    return schema
