"""A reading copy: a letter in its signer's language, for them to read, never sent.

A signer list may say which language a signer reads (a ``lang`` column). When that differs
from the language of the letter sent to a target, ``advocate build`` writes beside the
letter the same letter in the signer's language, its first line saying, in that language,
that it is a translation and is not sent. The signer's own note stays as they wrote it.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING

from advocate.text.markdown import WIDTH, escape_markdown

if TYPE_CHECKING:
    from advocate.render.document import Document
    from advocate.schema.campaign import Campaign

__all__ = ["NOTICES", "notice", "reading_copy", "reading_language"]

#: The first line of a reading copy, by language; ``{language}`` is the name of the
#: language of the letter that is sent, in the copy's language (CLDR, through Babel).
#: Not yet reviewed by native speakers.
NOTICES: dict[str, str] = {
    "en": "Reading copy: a translation for you to read. It is not sent; the letter sent is "
          "in {language}.",
    "es": "Copia de lectura: una traducción para que la lea. No se envía; la carta enviada "
          "está en {language}.",
    "fr": "Copie de lecture : une traduction pour vous. Elle n’est pas envoyée ; la lettre "
          "envoyée est en {language}.",
    "pt": "Cópia de leitura: uma tradução para você ler. Não é enviada; a carta enviada "
          "está em {language}.",
    "de": "Lesekopie: eine Übersetzung zum Lesen. Sie wird nicht verschickt; der "
          "verschickte Brief ist auf {language}.",
    "it": "Copia di lettura: una traduzione da leggere. Non viene inviata; la lettera "
          "inviata è in {language}.",
    "ru": "Копия для чтения: перевод для вас. Она не отправляется; отправленное письмо "
          "написано на языке: {language}.",
    "uk": "Копія для читання: переклад для вас. Її не надсилають; надісланий лист "
          "написано мовою: {language}.",
    "kk": "Оқуға арналған көшірме: сізге арналған аударма. Ол жіберілмейді; жіберілген хат "
          "тілі: {language}.",
    "tr": "Okuma kopyası: sizin okumanız için bir çeviri. Gönderilmez; gönderilen mektubun "
          "dili: {language}.",
    "ar": "نسخة للقراءة: ترجمة لتقرأها. لا تُرسَل؛ الرسالة المرسلة مكتوبة باللغة: {language}.",
    "fa": "نسخهٔ خواندنی: ترجمه‌ای برای خواندن شما. فرستاده نمی‌شود؛ زبان نامهٔ فرستاده‌شده: "
          "{language}.",
    "zh": "阅读副本：供您阅读的译文，不会寄出；寄出的信件语言为{language}。",
}


_HEADING = re.compile(r"^#{1,2} ", re.MULTILINE)


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def reading_language(campaign: Campaign, wanted: str) -> str | None:
    """The campaign language that serves a reader of ``wanted`` (``es-PE``: ``es``), or None
    when the campaign has no text in it."""
    languages = campaign.languages
    for code in (wanted, _base(wanted)):
        for own in languages:
            if own.casefold() == code.casefold():
                return own
    return None


def notice(copy_lang: str, sent_lang: str) -> str:
    """The reading copy's first line in ``copy_lang`` (English where advocate has no words
    for it), naming the sent letter's language in the copy's language."""
    from babel import Locale, UnknownLocaleError

    words = NOTICES.get(copy_lang) or NOTICES.get(_base(copy_lang)) or NOTICES["en"]
    name = sent_lang
    try:
        locale = Locale.parse(copy_lang.replace("-", "_") if copy_lang in NOTICES
                              or _base(copy_lang) in NOTICES else "en")
        name = locale.languages.get(sent_lang) or locale.languages.get(_base(sent_lang)) \
            or sent_lang
    except (ValueError, UnknownLocaleError):
        pass
    return words.format(language=name)


def reading_copy(letter: Document, sent_lang: str) -> Document:
    """``letter`` (rendered in the signer's language) marked as a reading copy: a notice
    first, in the Markdown (HTML, PDF) and in the text."""
    line = notice(letter.lang, sent_lang)
    block = f"::: review\n**{escape_markdown(line)}**\n:::\n\n"
    original = letter.text

    def text() -> str:
        return f"{textwrap.fill(line, WIDTH)}\n\n{original()}"

    # On paper, above the subject: the sender's block sits at the top of the page, beside
    # the window of the address (and the text has it first).
    heading = _HEADING.search(letter.markdown)
    at = heading.start() if heading else 0
    markdown = letter.markdown[:at] + block + letter.markdown[at:]
    return replace(letter, markdown=markdown, _text=None, _make_text=text)
