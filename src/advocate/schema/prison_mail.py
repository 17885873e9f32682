"""Prison-mail profiles: the published rules that decide whether a prison hands mail over.

A campaign names one profile per detainee (``detainees[].prison_mail``); ``advocate kit``
prints on every page what the profile says a page must carry, and ``advocate check`` warns
on letters, cards and notes that break it (:mod:`advocate.kit.prison_check`).

Each rule cites where it is published. Rules are summaries of those sources, not legal
advice; ``verified`` is False where the summary was written from memory of the source and
has not been checked against its current text (an organiser should read the source).
Profiles are data (format-level: the schema checks that a campaign names a known one).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MailSource:
    """A published source of a profile's rules."""

    title: str
    publisher: str
    url: str | None = None
    verified: bool = False


@dataclass(frozen=True)
class PrisonMailProfile:
    """What a prison system requires of mail to the people it holds."""

    id: str
    name: str
    #: Languages a letter may be written in (empty: any). A letter in another language is
    #: held back for translation or returned.
    languages: tuple[str, ...] = ()
    #: No word in another script or language (a censor may return a letter for one).
    single_script: bool = False
    #: Nothing about the person's case, the charges, the trial or the campaign.
    no_case: bool = False
    #: What every page must carry (``name``, ``number``): printed at each page's head.
    every_page: tuple[str, ...] = ()
    #: Things that must not be sent (shown on the kit's instructions and each card's back).
    forbidden: tuple[str, ...] = ()
    #: The most pages of a letter (0: no stated limit).
    max_pages: int = 0
    notes: tuple[str, ...] = ()
    sources: tuple[MailSource, ...] = field(default_factory=tuple)
    #: The name, ``forbidden`` and ``notes`` in other languages, for the kit's read-me
    #: (not yet reviewed by a native speaker): language -> (name, forbidden, notes).
    translations: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict)

    def words(self, lang: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """The name, what not to send and the notes in ``lang``, else in English."""
        return self.translations.get(lang.split("-")[0], (self.name, self.forbidden,
                                                          self.notes))


PROFILES: dict[str, PrisonMailProfile] = {
    profile.id: profile for profile in (
        PrisonMailProfile(
            id="russia-fsin",
            name="Russia: pre-trial detention centres and colonies (FSIN)",
            languages=("ru",),
            single_script=True,
            no_case=True,
            every_page=("name", "birth_year"),
            forbidden=("stickers, glitter, perfume, pressed flowers",
                       "stamps or envelopes inside the letter (buy them through FSIN-Pismo)",
                       "anything about the case, the charges, the trial or the campaign",
                       "words in any language or script other than Russian"),
            notes=("Letters are read by the censor; one in a language other than Russian "
                   "may be held for translation for weeks or not handed over.",
                   "Write the recipient's full name and year of birth: staff match mail "
                   "to people by both.",
                   "Prisoner-support groups advise: no politics, no news of the case, "
                   "short, warm, personal."),
            sources=(
                MailSource("Правила внутреннего распорядка следственных изоляторов "
                           "уголовно-исполнительной системы (Приказ Минюста России "
                           "№ 110, 2022), section on correspondence",
                           "Ministry of Justice of the Russian Federation",
                           "https://publication.pravo.gov.ru/", verified=False),
                MailSource("Federal Law No. 103-FZ 'On the detention of suspects and "
                           "accused', article 20 (correspondence, censorship)",
                           "Russian Federation", "https://www.consultant.ru/", verified=False),
                MailSource("How to write to political prisoners",
                           "OVD-Info / Memorial support projects (letter-writing guides)",
                           "https://ovd.info/", verified=False),
            ),
            translations={"ru": (
                "Россия: СИЗО и колонии (ФСИН)",
                ("наклейки, блёстки, духи, засушенные цветы",
                 "марки и конверты внутри письма (их покупают через «ФСИН-письмо»)",
                 "что-либо о деле, обвинении, суде или кампании",
                 "слова на любом языке или письме, кроме русского"),
                ("Письма читает цензор; письмо не на русском языке могут неделями "
                 "держать для перевода или не передать вовсе.",
                 "Пишите полное имя получателя и год рождения: по ним письма сверяют "
                 "с адресатом.",
                 "Группы поддержки заключённых советуют: без политики, без новостей о деле, "
                 "коротко, тепло, по-человечески."))}),
        PrisonMailProfile(
            id="us-federal",
            name="United States: Federal Bureau of Prisons",
            languages=(),
            every_page=("name", "number"),
            forbidden=("stickers, labels, glitter, glue, tape, lipstick, perfume, crayon",
                       "polaroid photos, hard-backed cards, greeting cards with layers "
                       "or electronics",
                       "cash, stamps, anything not paper"),
            notes=("Write the person's full committed name and register number on the "
                   "envelope and on every page.",
                   "Use the institution's mailing address exactly as the BOP inmate "
                   "locator gives it.",
                   "Mail is opened and inspected; plain white paper and blue or black ink "
                   "are safest."),
            sources=(
                MailSource("Program Statement 5265.14, Correspondence",
                           "Federal Bureau of Prisons",
                           "https://www.bop.gov/policy/progstat/5265_014.pdf", verified=False),
                MailSource("Send Mail/Packages to an Inmate", "Federal Bureau of Prisons",
                           "https://www.bop.gov/inmates/communications.jsp", verified=False),
            )),
        PrisonMailProfile(
            id="generic",
            name="Any prison (cautious defaults)",
            every_page=("name", "number"),
            forbidden=("stickers, glitter, perfume, anything glued on",
                       "anything about the case, the charges or the campaign"),
            no_case=True,
            notes=("Ask a local prisoner-support group for the rules of this prison.",),
            sources=(
                MailSource("Letter-writing guidance for prisoners of conscience",
                           "Amnesty International (Write for Rights guides)",
                           "https://www.amnesty.org/en/get-involved/write-for-rights/",
                           verified=False),
            )),
    )
}


def profile(profile_id: str) -> PrisonMailProfile:
    """The bundled profile ``profile_id`` (the schema has checked that it exists)."""
    return PROFILES[profile_id]
