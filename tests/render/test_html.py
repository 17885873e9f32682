"""render/html.py: the Content-Security-Policy placed in the real <head>, checked by parsing
the result as a browser does, and the checks on a pack's HTML (issue 13)."""

from __future__ import annotations

import pytest

from advocate.errors import AdvocateError
from advocate.render.html import CSP_META, CSP_POLICY, apply_csp, check_html, parse_html, tree_depth

NS = "{http://www.w3.org/1999/xhtml}"


def policy_first(html: str) -> bool:
    root = parse_html(html)
    head = next(e for e in root if isinstance(e.tag, str))
    assert head.tag == NS + "head"
    first = next(e for e in head if isinstance(e.tag, str) and set(e.attrib) != {"charset"})
    return first.get("http-equiv") == "Content-Security-Policy" and \
        first.get("content") == CSP_POLICY


@pytest.mark.parametrize("html", [
    "<!DOCTYPE html><html><head><title>t</title></head><body>x</body></html>",
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>t</title>',
    "<!DOCTYPE html><!--<head>--><html><head><title>t</title>",
    '<!DOCTYPE html><html><head a="<head>"><title>t</title>',
    "<!DOCTYPE html><template><head></template><html><head><title>t</title>",
    '<!DOCTYPE html><html><img src="http://t.example/x"><head><title>t</title>',
    "<html><body>no head at all",
    "just text",
    "",
])
def test_the_policy_is_first_in_the_real_head(html: str) -> None:
    out = apply_csp(html)
    assert policy_first(out)
    assert out.count("\n") == html.count("\n")  # lines stay put: messages keep their places


def test_a_policy_already_in_place_is_kept_once() -> None:
    html = f'<!DOCTYPE html><html><head><meta charset="utf-8">{CSP_META}<title>t</title>'
    assert apply_csp(html) == html


def test_when_the_head_tag_is_a_decoy_the_policy_goes_right_after_the_doctype() -> None:
    # The only <head> is inside an unclosed comment: the parser opens the head for the
    # policy right after the doctype (nothing can come before that), and that is checked.
    out = apply_csp("<!DOCTYPE html><!-- <html><head>", source="x.html.j2")
    assert out.startswith("<!DOCTYPE html>" + CSP_META)
    assert policy_first(out)


@pytest.mark.parametrize(("body", "message"), [
    ('<meta http-equiv="refresh" content="0;url=https://t.example/">', "refresh"),
    ('<link rel="dns-prefetch" href="//t.example">', "<link>"),
    ('<a href="https://t.example/?n=Jane">x</a>', "does not name"),
    ('<img srcset="https://t.example/a.png 1x" alt="">', "does not name"),
    ('<a href="#top">x</a><a href="letters/00001.txt">y</a><img src="data:,x" alt="">', None),
    ('<a href="https://example.org/kz">campaign</a>', None),
])
def test_pack_html_is_checked_whole(body: str, message: str | None) -> None:
    root = parse_html(f"<!DOCTYPE html><html><head></head><body>{body}</body></html>")
    if message is None:
        check_html(root, source="x", allowed_links={"https://example.org/kz"})
    else:
        with pytest.raises(AdvocateError, match=message):
            check_html(root, source="x", allowed_links={"https://example.org/kz"})


def test_depth_is_measured_on_the_tree_a_browser_builds() -> None:
    html = "<!DOCTYPE html><html><head></head><body>" + "<span><div></span>" * 40
    assert tree_depth(parse_html(html)) > 80  # 40 tags deep by counting, 80 in the tree
    with pytest.raises(AdvocateError, match="nested too deeply"):
        apply_csp(html, trusted=False, max_depth=64)
