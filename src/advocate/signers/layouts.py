"""Known signer-list layouts: platform exports recognised by their header row.

Each layout says how to recognise its header row and which of its columns hold the signer
fields; everything else in the file is ignored (and listed once in a notice). The columns
come from each platform's public documentation (see docs/signers.md for the sources):

* **Action Network** report downloads: ``first_name``, ``last_name``, ``email``,
  ``zip_code`` and ``can2_…`` columns (``can2_user_city``, ``can2_country``…).
* **Change.org** signatures: ``name`` (or first and last name), ``city``, ``state_province``,
  ``postal_code``, ``country_code``/``country_name``, ``signed_at`` (or "Signed On").
* **Google Forms** responses: "Timestamp" first, "Email Address" when the form collects
  addresses, then one column per question (the form's own titles); both in the language
  of the form's owner ("Marca temporal", "Dirección de correo electrónico"...).
* **Mailchimp** audience exports: "Email Address", "First Name", "Last Name" and the
  system columns ``MEMBER_RATING``, ``OPTIN_TIME``, ``CONFIRM_TIME``, ``LEID``, ``EUID``….
* **OSDI** people: ``given_name``, ``family_name``, ``email_addresses`` (flattened as
  ``email_addresses``, ``email_addresses.address`` or ``email_addresses[0].address``) and
  ``postal_addresses`` ``locality`` / ``country``.

A new layout is one more :class:`Layout` in ``LAYOUTS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["ALIASES", "GOOGLE_FORMS_EMAIL", "GOOGLE_FORMS_TIMESTAMP", "LAYOUTS", "Layout",
           "normal_header"]

_SPACES = re.compile(r"\s+")


def normal_header(cell: str) -> str:
    """How headers are compared: casefolded, trimmed, inner white space as one space."""
    return _SPACES.sub(" ", cell.replace("\ufeff", "")).strip().casefold()


#: The first column of a Google Forms response sheet, in the language of the form's owner.
GOOGLE_FORMS_TIMESTAMP = frozenset((
    "timestamp", "marca temporal", "horodateur", "carimbo de data/hora", "zeitstempel",
    "informazioni cronologiche", "отметка времени", "позначка часу", "الطابع الزمني",
    "zaman damgası", "sygnatura czasowa", "tijdstempel", "tidsstempel", "tidstämpel",
    "časová značka", "dấu thời gian", "stempel waktu", "时间戳记", "時間戳記", "タイムスタンプ",
    "타임스탬프", "مهر زمانی", "חותמת זמן"))
#: Its "Email Address" column (a form that collects addresses), likewise.
GOOGLE_FORMS_EMAIL = (
    "email address", "dirección de correo electrónico", "adresse e-mail",
    "endereço de e-mail", "e-mail-adresse", "indirizzo email", "адрес электронной почты",
    "адреса електронної пошти", "عنوان البريد الإلكتروني", "e-posta adresi", "adres e-mail",
    "e-mailadres", "电子邮件地址", "電子郵件地址", "メールアドレス", "이메일 주소",
    "آدرس ایمیل", "כתובת אימייל")


# Column titles people and tools commonly give each field (normalised). Used for the
# fields a recognised layout does not name itself, and for lists with no known layout.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "full_name", "fullname", "your name", "your full name",
             "signer name", "signatory",
             # es, fr, pt, de, it, ru, uk, ar: a form's own words
             "nombre completo", "nombre y apellido", "nombre y apellidos", "tu nombre",
             "su nombre", "nom complet", "nom et prénom", "prénom et nom", "votre nom",
             "nome completo", "seu nome", "vollständiger name", "ihr name", "dein name",
             "nome e cognome", "фио", "ф.и.о.", "имя и фамилия", "ваше имя", "піб",
             "ім'я та прізвище", "الاسم", "الاسم الكامل"),
    "given_name": ("first name", "first_name", "firstname", "given name", "given_name",
                   "fname", "forename", "nombre", "nombres", "prénom", "prenom", "nome",
                   "primeiro nome", "vorname", "имя", "ім'я", "الاسم الأول"),
    "family_name": ("last name", "last_name", "lastname", "surname", "family name",
                    "family_name", "lname", "apellido", "apellidos", "nom", "nom de famille",
                    "sobrenome", "apelido", "nachname", "familienname", "cognome", "фамилия",
                    "прізвище", "اسم العائلة", "الكنية"),
    "email": ("email", "e-mail", "email address", "e-mail address", "email_address",
              "emailaddress", "your email", "your email address", "correo",
              "correo electrónico", "correo electronico", "tu correo electrónico",
              "courriel", "adresse e-mail", "adresse email", "adresse électronique",
              "e-mail-adresse", "email-adresse", "endereço de e-mail", "endereço de email",
              "indirizzo email", "indirizzo e-mail", "электронная почта", "эл. почта",
              "адрес электронной почты", "електронна пошта", "البريد الإلكتروني",
              *GOOGLE_FORMS_EMAIL),
    "city": ("city", "town", "city/town", "locality", "ciudad", "localidad", "municipio",
             "ville", "cidade", "município", "stadt", "ort", "wohnort", "città", "город",
             "місто", "المدينة"),
    "country": ("country", "country name", "country_name", "country code", "country_code",
                "país", "pais", "pays", "land", "paese", "страна", "країна", "البلد",
                "الدولة"),
    "note": ("note", "personal note", "personal message", "nota", "mensaje",
             "mensaje personal", "comentario", "comentarios", "message personnel",
             "commentaire", "mensagem", "mensagem pessoal", "nachricht",
             "persönliche nachricht", "messaggio", "сообщение", "личное сообщение",
             "повідомлення", "رسالة", "ملاحظة"),
    "public": ("public",),
    "address": ("address", "postal address", "street address", "dirección",
                "dirección postal", "adresse", "adresse postale", "endereço", "anschrift",
                "postanschrift", "indirizzo", "почтовый адрес", "адреса", "العنوان"),
    "lang": ("lang", "language", "preferred language", "idioma", "idioma preferido",
             "langue", "langue préférée", "língua", "sprache", "lingua", "язык", "мова",
             "اللغة"),
}


@dataclass(frozen=True)
class Layout:
    """A known export: its name, how to recognise it, and where its fields are."""

    name: str
    recognise: Callable[[Sequence[str]], bool]
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _has(*names: str) -> Callable[[Sequence[str]], bool]:
    def check(headers: Sequence[str]) -> bool:
        return all(n in headers for n in names)
    return check


def _action_network(headers: Sequence[str]) -> bool:
    return any(h.startswith("can2_") for h in headers) or all(
        n in headers for n in ("first_name", "last_name", "email", "zip_code")
    )


_MAILCHIMP_SYSTEM = ("member_rating", "optin_time", "confirm_time", "last_changed", "leid",
                     "euid")


def _mailchimp(headers: Sequence[str]) -> bool:
    return "email address" in headers and any(h in headers for h in _MAILCHIMP_SYSTEM)


def _change_org(headers: Sequence[str]) -> bool:
    return "signed_at" in headers or "signed on" in headers


def _google_forms(headers: Sequence[str]) -> bool:
    return bool(headers) and headers[0] in GOOGLE_FORMS_TIMESTAMP


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "OSDI people",
        _has("given_name", "family_name"),
        {
            "given_name": ("given_name",),
            "family_name": ("family_name",),
            "email": ("email_addresses", "email_addresses.address",
                      "email_addresses[0].address", "email_address", "email"),
            "city": ("postal_addresses.locality", "postal_addresses[0].locality", "locality"),
            "country": ("postal_addresses.country", "postal_addresses[0].country", "country"),
        },
    ),
    Layout(
        "Action Network",
        _action_network,
        {
            "given_name": ("first_name",),
            "family_name": ("last_name",),
            "email": ("email",),
            "city": ("can2_user_city", "city"),
            "country": ("can2_country", "country"),
        },
    ),
    Layout(
        "Mailchimp audience export",
        _mailchimp,
        {
            "given_name": ("first name",),
            "family_name": ("last name",),
            "email": ("email address",),
        },
    ),
    Layout(
        "Change.org signatures",
        _change_org,
        {
            "name": ("name",),
            "given_name": ("first name", "first_name"),
            "family_name": ("last name", "last_name"),
            "email": ("email",),
            "city": ("city",),
            "country": ("country_name", "country", "country_code", "country code"),
        },
    ),
    Layout("Google Forms responses", _google_forms, {"email": GOOGLE_FORMS_EMAIL}),
)
