/* advocate action page: fills in the campaign's letter stencils with what the supporter
   types. Everything typed is set as text (textContent, value, URL encoding), never markup;
   nothing leaves the page except through a link the supporter clicks. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var FSI = "\u2068", PDI = "\u2069";
  var $ = function (id) { return document.getElementById(id); };
  document.documentElement.classList.add("has-js");

  function cps(s) { return Array.from(s); }
  function inRanges(cp, ranges) {
    var lo = 0, hi = ranges.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, r = ranges[mid];
      if (cp < r[0]) hi = mid - 1; else if (cp > r[1]) lo = mid + 1; else return true;
    }
    return false;
  }
  function rtl(lang) { return D.rtlLangs.indexOf(lang) >= 0; }
  function isolate(value, lang) {            // advocate.text.bidi.isolate
    if (!value || value.charAt(0) === FSI) return value;
    var isRtl = rtl(lang);
    if (/^[\x00-\x7f]*$/.test(value) && !isRtl) return value;
    var against = isRtl ? D.strong.L : D.strong.R;
    var need = cps(value).some(function (c) { return inRanges(c.codePointAt(0), against); });
    return need ? FSI + value + PDI : value;
  }
  function view(raw) {                        // Writer.view (blank: not given)
    var v = {};
    ["name", "city", "email", "country"].forEach(function (f) {
      var s = (raw[f] || "").split(/\s+/).filter(Boolean).join(" ");
      v[f] = s || null;
    });
    var note = (raw.note || "").replace(/\r\n?/g, "\n").trim();
    v.note = note || null;
    // One line, as the sender line of a window envelope shows it: "Street 1, 10115 Berlin"
    var address = (raw.address || "").replace(/\r\n?/g, "\n").split(/[\n,]/).map(function (part) {
      return part.split(/\s+/).filter(Boolean).join(" ");
    }).filter(Boolean).join(", ");
    v.address = address || null;
    return v;
  }
  var MD_ANY = /[\\`*_\[\]<>|~&#>+=:\-.)]/u;
  function escapeMd(t) {                      // templates.host.escape_markdown
    if (!MD_ANY.test(t)) return t;
    t = t.replace(/([\\`*_\[\]<>|~])/gu, "\\$1");
    t = t.replace(/&(?=#?[A-Za-z0-9]+;)/gu, "\\&");
    t = t.replace(/^(\s*\p{Nd}+)([.)])/gmu, "$1\\$2");
    return t.replace(/^(\s*)([#>+=:-])/gmu, "$1\\$2");
  }
  function put(text, values) {
    var out = "";
    cps(text).forEach(function (c) { out += c in values ? values[c] : c; });
    return out;
  }
  // textwrap.wrap(width, break_long_words=False, break_on_hyphens=False)
  function expandTabs(s) {
    var out = "", col = 0;
    cps(s).forEach(function (c) {
      if (c === "\t") { var n = 8 - (col % 8); out += " ".repeat(n); col += n; }
      else { out += c; col = (c === "\n" || c === "\r") ? 0 : col + 1; }
    });
    return out;
  }
  function len(s) { return cps(s).length; }
  function pyStrip(s) { return s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, ""); }
  function wrap(text, width) {
    text = expandTabs(text).replace(/[\t\n\x0b\x0c\r]/g, " ");
    var chunks = text.split(/([\t\n\x0b\x0c\r ]+)/).filter(function (c) { return c; });
    chunks.reverse();
    var lines = [];
    while (chunks.length) {
      var cur = [], curLen = 0;
      if (lines.length && pyStrip(chunks[chunks.length - 1]) === "") chunks.pop();
      while (chunks.length) {
        var l = len(chunks[chunks.length - 1]);
        if (curLen + l <= width) { cur.push(chunks.pop()); curLen += l; } else break;
      }
      if (chunks.length && len(chunks[chunks.length - 1]) > width && !cur.length) {
        cur.push(chunks.pop());
      }
      if (cur.length && pyStrip(cur[cur.length - 1]) === "") cur.pop();
      if (cur.length) lines.push(cur.join(""));
    }
    return lines;
  }
  // text.markdown._chunks: top-level blocks split at blank lines
  function chunks(md) {
    var lines = md.split("\n"), following = [], upcoming = "", out = [];
    for (var n = lines.length - 1; n >= 0; n--) {
      following[n] = upcoming;
      if (pyStrip(lines[n])) upcoming = lines[n].charAt(0);
    }
    var start = 0, depth = 0;
    for (n = 0; n < lines.length; n++) {
      var line = lines[n], fence = /^(:{3,}|`{3,}|~{3,})/.exec(line);
      if (fence) depth = pyStrip(line) === fence[1] ? Math.max(0, depth - 1) : depth + 1;
      if (depth || pyStrip(line)) continue;
      var after = following[n];
      if (after && pyStrip(after)) {
        if (n > start) out.push(lines.slice(start, n).join("\n"));
        start = n + 1;
      }
    }
    if (start < lines.length) out.push(lines.slice(start).join("\n"));
    return out.filter(function (c) { return pyStrip(c); });
  }
  var ESCAPED = /\\([!-\/:-@\[-`{-~])/gu;
  var SYNTAX = /[\\`*_\[\]<>&!|~]|^ {0,3}([#>+=:\-]|\p{Nd}+[.)])|^ {4}|^\t/mu;
  var kindOf = "";                             // the last block's container (print layout)
  function plainBlock(md, width) {            // text.markdown._plain_block_text
    var c = /^::: *([a-z]+)\n([\s\S]*)\n:::\n?$/.exec(md);
    kindOf = c ? c[1] : "";
    if (c) { if (D.blockNames.indexOf(c[1]) < 0) return null; md = c[2]; }
    if (!pyStrip(md) || md.indexOf("\n\n") >= 0 || md.indexOf(":::") >= 0 ||
        md.indexOf("\x00") >= 0 || md.indexOf("\r") >= 0) return null;
    var lines = md.split("\n");
    var hard = lines.map(function (l) { return /\\$/.test(l) && !/\\\\$/.test(l); });
    if (hard[hard.length - 1]) return null;
    var tl = lines.map(function (l, i) { return hard[i] ? l.slice(0, -1) : l; });
    // A lone '&' (not an entity) or '!' (not an image) is plain text to the Markdown parser
    // too, which the letter command then runs: its text is the same, so allow them here.
    var bare = tl.map(function (l) {
      return l.replace(ESCAPED, "").replace(/&(?!#?[A-Za-z0-9]+;)/g, "").replace(/!(?!\[)/g, "");
    }).join("\n");
    if (SYNTAX.test(bare) || tl.some(function (l) { return l !== pyStrip(l); }) ||
        !tl[0] || !tl[tl.length - 1]) return null;
    var text = tl.map(function (l, i) {
      return l.replace(ESCAPED, "$1") + (i < tl.length - 1 ? (hard[i] ? "\n" : " ") : "");
    }).join("");
    var out = [];
    text.split("\n").forEach(function (part) {
      var w = wrap(part, width); out.push.apply(out, w.length ? w : [""]);
    });
    return out.join("\n") + "\n";
  }
  // A stencil from its compact form (site/__init__.py's _compact).
  function numbers(s) { return s ? s.split(",").map(Number) : []; }
  function decode(entry) {
    if (!entry) return null;
    var text = typeof entry === "string" ? entry : entry[0];
    function one(s) {
      var f = s.split("|"), plan = [];
      var items = [];
      (f[1] ? f[1].split(" ") : []).forEach(function (t) {  // "@n": a shared run of items
        if (t.charAt(0) === "@") items.push.apply(items, D.segments[Number(t.slice(1))].split(" "));
        else items.push(t);
      });
      items.forEach(function (t) {
        if (t.charAt(0) === "(") { plan.push(numbers(t.slice(1, -1))); return; }
        var ab = t.split("-").map(Number);
        for (var n = ab[0]; n <= ab[ab.length - 1]; n++) plan.push(n);
      });
      var st = { values: numbers(f[0]), plan: plan };
      ["subject", "title", "to"].forEach(function (k, i) {
        if (f[i + 2]) st[k] = Number(f[i + 2]);
      });
      return st;
    }
    var st = one(text);
    if (typeof entry !== "string") {
      Object.keys(entry[1]).forEach(function (form) { st[form] = one(entry[1][form]); });
    }
    return st;
  }
  var decoded = {};
  function shapeOf(target, lang, v) {
    var bits = D.fields.map(function (f) { return v[f] ? "1" : "0"; }).join("");
    var key = target.id + "|" + lang + "|" + bits;
    if (!(key in decoded)) {
      var shapes = D.stencils[target.id + "|" + lang];
      decoded[key] = shapes ? decode(shapes[parseInt(bits, 2)]) : null;
    }
    return decoded[key];
  }
  // Letters not all alike: a single letter's variant of each slot comes from a hash of
  // its writer's name (text/variants.py's name_hash and choose, so the letter here is
  // `advocate letter`'s for the same name): FNV-1a over UTF-8, murmur3's finaliser.
  var UTF8 = new TextEncoder();
  function nameHash(targetId, name) {
    var bytes = UTF8.encode(D.campaign + "\u0000" + targetId + "\u0000" + name), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0; h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0; h = Math.imul(h, 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }
  function variantsFor(target, lang, name, values) {
    var slots = D.variants[target.id + "|" + lang] || [], total = 1;
    slots.forEach(function (s) { if (s[2]) total *= s[1].length; });
    var index = total > 1 ? nameHash(target.id, name || "") % total : 0;
    slots.forEach(function (s) {
      var n = 0;
      if (s[2]) { n = index % s[1].length; index = Math.floor(index / s[1].length); }
      values[s[0]] = D.strings[s[1][n]];
    });
  }
  // A variant slot's mark standing alone in a plan: the supporter's variant, escaped.
  var MARK = /[\u{F00F0}-\u{F00FF}]/gu;
  function markedIn(values) {
    return function (md) {
      return md.replace(MARK, function (c) { return escapeMd(values[c] || ""); });
    };
  }
  function filler(target, lang, v) {          // placeholder -> the value as printed
    var values = {};
    Object.keys(D.placeholders).forEach(function (f) {
      var value = D.inline.indexOf(f) >= 0 ? isolate(v[f], lang) : v[f];
      values[D.placeholders[f]] = value || "";
    });
    variantsFor(target, lang, v.name, values);
    return values;
  }
  // A letter's text form (form ""), or an email form given by its own stencil ("full",
  // "titles", "short": render/email_text.py's, never wrapped; see emailFor).
  function letterFor(target, lang, v, form) {
    var whole = shapeOf(target, lang, v);
    if (!whole) return null;
    var st = form ? whole[form] : whole, width = form ? D.emailWidth : D.width;
    var values = filler(target, lang, v), S = D.strings;
    var printed = st.values.map(function (p) { return escapeMd(put(S[p], values)); });
    var marked = markedIn(values);
    var parts = [], kinds = [], wides = [];
    for (var i = 0; i < st.plan.length; i++) {
      var b = st.plan[i];
      if (typeof b === "number") {
        if (form) { parts.push(D.texts[b]); kinds.push(""); wides.push(""); continue; }
        parts.push(D.texts[D.fixed[b][0]]); kinds.push(D.fixed[b][1]);
        wides.push(D.wide[b] < 0 ? D.texts[D.fixed[b][0]] : D.texts[D.wide[b]]);
        continue;
      }
      var md = marked(b.map(function (p) { return p < 0 ? printed[-p - 1] : S[p]; }).join(""));
      var cs = chunks(md);
      for (var j = 0; j < cs.length; j++) {
        var t = plainBlock(cs[j], width);
        if (t === null) return null;
        parts.push(t); kinds.push(kindOf);
        wides.push(form ? "" : plainBlock(cs[j], D.emailWidth));
      }
    }
    var blocks = [];
    parts.forEach(function (p, k) {
      // text: as the .txt (72 columns); wide: each paragraph on one line (the paper)
      if (pyStrip(p)) {
        blocks.push({ kind: kinds[k], text: p.replace(/\n+$/, ""), wide: wides[k].replace(/\n+$/, "") });
      }
    });
    var text = blocks.map(function (p) { return p.text; }).join("\n\n") + "\n";
    var subject = put(whole.subject !== undefined ? S[whole.subject] :
      whole.title !== undefined ? S[whole.title] : "", values);
    return { text: text, blocks: blocks, subject: pyStrip(subject),
      to: whole.to !== undefined ? S[whole.to] : null, target: target };
  }

  // render/email_text.email_blocks: the email form of a letter, block by block from its
  // text plan. Fixed blocks come converted (D.fixed rows: text, container, email forms,
  // without heading, as signature); blocks with values are rewritten here. Python checked
  // that this gives the rewrite of the whole letter, or sent the form's own stencil.
  var BLOCK = /^::: *([a-z]+)\n([\s\S]*?)\n:::\n?/gm;
  var HEADING = /^#{1,6} [^\n]*\n(?:\n)?/m;
  var ASK_TITLE = /^(\s*\p{Nd}+[.)] \*\*[^\n]+?\*\*)[^\n]*$/gmu;
  var POSTAL = ["sender", "recipient", "date"];
  function senderBody(md) {
    BLOCK.lastIndex = 0;
    for (var m = BLOCK.exec(md); m; m = BLOCK.exec(md)) if (m[1] === "sender") return m[2];
    return null;
  }
  function emailFor(target, lang, v, form) {
    var whole = shapeOf(target, lang, v);
    if (!whole) return null;
    if (whole[form]) { var own = letterFor(target, lang, v, form); return own && own.text; }
    var values = filler(target, lang, v), S = D.strings, W = D.emailWidth;
    var short = form !== "full", facts = form !== "short", fi = ["full", "titles", "short"].indexOf(form);
    var printed = whole.values.map(function (p) { return escapeMd(put(S[p], values)); });
    var marked = markedIn(values), items = [];
    whole.plan.forEach(function (b) {
      if (typeof b === "number") { items.push({ n: b }); return; }
      var md = marked(b.map(function (p) { return p < 0 ? printed[-p - 1] : S[p]; }).join(""));
      chunks(md).forEach(function (c) { items.push({ md: c }); });
    });
    var sender = null;                         // the first sender container's details
    for (var i = 0; i < items.length && sender === null; i++) {
      var it = items[i];
      if (it.n !== undefined) { if (D.fixed[it.n][1] === "sender") sender = { n: it.n }; }
      else { var body = senderBody(it.md); if (body !== null) sender = { md: body }; }
    }
    if (sender && sender.md === "") sender = null;
    var texts = [], headed = false, failed = false;
    items.forEach(function (it) {
      var text, kind;
      if (it.n !== undefined) {
        var row = D.fixed[it.n], e = typeof row[2] === "number" ? row[2] : row[2][fi];
        kind = row[1];
        if (kind === "signature" && sender) text = signature(sender);
        else {
          if (e < 0) return;
          if (!headed && row.length > 3 && row[3] !== null) {
            headed = true;
            if (row[3] < 0) return;
            e = row[3];
          }
          text = D.texts[e];
        }
      } else {
        var replaced = false;
        var md = it.md.replace(BLOCK, function (all, name, body) {
          if (POSTAL.indexOf(name) >= 0 || (!facts && name === "facts")) return "";
          if (name === "signature" && sender) { replaced = true; return all; }
          if (short && name === "asks") body = body.replace(ASK_TITLE, "$1");
          return "::: " + name + "\n" + body + "\n:::\n";
        }).replace(/\n+$/, "");
        if (replaced) text = signature(sender);
        else {
          if (!headed && pyStrip(md) && HEADING.test(md + "\n")) {
            headed = true;
            md = (md + "\n").replace(HEADING, "").replace(/\n+$/, "");
          }
          if (!pyStrip(md)) return;
          text = plainBlock(md, W);
        }
      }
      if (text === null) { failed = true; return; }
      if (pyStrip(text)) texts.push(text.replace(/\n+$/, ""));
    });
    return failed ? null : texts.join("\n\n") + "\n";
  }
  function signature(sender) {
    if (sender.n !== undefined) return D.texts[D.fixed[sender.n][4]];
    return plainBlock("::: signature\n" + sender.md + "\n:::", D.emailWidth);
  }

  // -- email: mailto (render/eml.py's mailto_link) and the .eml draft (build_eml)
  var UNRESERVED = /[A-Za-z0-9_.\-~]/;
  function pct(s) {
    var bytes = new TextEncoder().encode(s), out = "";
    for (var i = 0; i < bytes.length; i++) {
      var ch = String.fromCharCode(bytes[i]);
      out += UNRESERVED.test(ch) && bytes[i] < 128 ? ch :
        "%" + (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16).toUpperCase();
    }
    return out;
  }
  function plainText(s) { return s.split(FSI).join("").split(PDI).join(""); }
  function mailtoLink(letters, body) {
    var to = letters.filter(function (l) { return l.target.mailto; })
      .map(function (l) { return l.target.mailto; });
    if (!to.length) return null;
    var l = letters[0], fields = [];
    if (l.subject) fields.push("subject=" + pct(l.subject));
    if (body) fields.push("body=" + body.replace(/\r\n?/g, "\n").split("\n").map(pct).join("%0D%0A"));
    return "mailto:" + to.join(",") + (fields.length ? "?" + fields.join("&") : "");
  }
  // render/email_text.letter_mailto: the full email if its link fits in MAILTO_MAX
  // characters, else the asks by title with the facts, else by title alone, else the subject.
  function mailto(letters, v) {
    var forms = ["full", "titles", "short", ""];
    for (var i = 0; i < forms.length; i++) {
      var body = "";
      if (forms[i]) {
        body = letters.map(function (l) {
          return emailFor(l.target, l.lang, v, forms[i]);
        }).join(D.separator);
      }
      if (new TextEncoder().encode(body).length > D.mailtoMax) continue;
      var link = mailtoLink(letters, body);
      if (!link || link.length <= D.mailtoMax) return link;
    }
    return null;
  }
  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function encodedWords(text, max) {
    var enc = new TextEncoder(), words = [], chunk = [];
    cps(text).forEach(function (c) {
      var raw = Array.from(enc.encode(c));
      if (chunk.length && chunk.length + raw.length > max) {
        var cut = chunk.lastIndexOf(32) + 1;
        if (cut > Math.floor(chunk.length / 2)) { words.push(chunk.slice(0, cut)); chunk = chunk.slice(cut); }
        else { words.push(chunk); chunk = []; }
      }
      chunk = chunk.concat(raw);
    });
    if (chunk.length) words.push(chunk);
    return words.map(function (w) { return "=?utf-8?b?" + b64(w) + "?="; });
  }
  function fold(name, tokens) {
    var lines = [name + ": " + (tokens[0] || "")];
    tokens.slice(1).forEach(function (t) {
      if (lines[lines.length - 1].length + 1 + t.length > 78) lines.push(" " + t);
      else lines[lines.length - 1] += " " + t;
    });
    return lines.join("\r\n");
  }
  function plainOk(t) {
    return /^[ -~]*$/.test(t) && t.indexOf("=?") < 0 && t.indexOf("  ") < 0 &&
      t.split(" ").every(function (w) { return w.length <= 70; });
  }
  var ATOM = /^[A-Za-z0-9!#$%&'*+\/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+\/=?^_`{|}~-]+)*$/;
  function phrase(name) {
    if (!name) return [];
    if (ATOM.test(name) && name.indexOf("=?") < 0 && name.length <= 60) return name.split(" ");
    if (plainOk(name) && name.length <= 60) return ['"' + name.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"'];
    return encodedWords(name, 45);
  }
  var EMAIL = /^[A-Za-z0-9.!#$%&'*+\/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
  // binascii.b2a_qp(data, quotetabs=False, istext=True, header=False), as render/eml.py
  // encodes the .eml body (CPython's C code, ported line for line), CRLF line ends.
  function qp(text) {
    var d = new TextEncoder().encode(text.replace(/\r\n?/g, "\n")), n = d.length;
    var out = [], linelen = 0;
    function hex(b) { return "=" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase(); }
    for (var i = 0; i < n; i++) {
      var b = d[i];
      if (b > 126 || b === 61 ||
          (b === 46 && linelen === 0 && (i + 1 === n || d[i + 1] === 10 || d[i + 1] === 13 || d[i + 1] === 0)) ||
          ((b === 9 || b === 32) && i + 1 === n) ||
          (b < 33 && b !== 13 && b !== 10 && b !== 9 && b !== 32)) {
        if (linelen + 3 >= 76) { out.push("=\n"); linelen = 0; }
        out.push(hex(b)); linelen += 3;
      } else if (b === 10) {
        linelen = 0;
        var last = out.length ? out[out.length - 1] : "";
        if (last === " " || last === "\t") out[out.length - 1] = hex(last.charCodeAt(0));
        out.push("\n");
      } else {
        if (i + 1 !== n && d[i + 1] !== 10 && linelen + 1 >= 76) { out.push("=\n"); linelen = 0; }
        linelen++; out.push(String.fromCharCode(b));
      }
    }
    return out.join("").replace(/\n/g, "\r\n");
  }
  function eml(l, v) {
    var lines = [];
    var fromName = plainText(v.name || "").replace(/[\x00-\x1f\x7f\u2028\u2029\x85]/g, " ").trim();
    if (v.email && EMAIL.test(v.email)) {
      var at = v.email.lastIndexOf("@");
      var addr = v.email.slice(0, at) + "@" + v.email.slice(at + 1).toLowerCase();
      lines.push(fold("From", phrase(fromName).concat(["<" + addr + ">"])));
    }
    if (l.to) lines.push(l.to);
    var subject = l.subject.replace(/[\x00-\x1f\x7f\u2028\u2029\x85]/g, " ").trim();
    if (subject) lines.push(fold("Subject", plainOk(subject) ? subject.split(" ") : encodedWords(subject, 42)));
    if (l.target.reference) lines.push("X-Advocate-Reference: " + l.target.reference);  // render/eml.py
    lines.push.apply(lines, D.draftHeaders);  // render/eml.py's DRAFT_HEADERS, given by Python
    lines.push("MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
      "Content-Transfer-Encoding: quoted-printable");
    var body = l.email.slice(-1) === "\n" ? l.email : l.email + "\n";
    return lines.join("\r\n") + "\r\n\r\n" + qp(body);
  }
  function webmail(l) {
    var to = l.target.email || "", e = encodeURIComponent;
    return [
      ["Gmail", "https://mail.google.com/mail/?view=cm&fs=1&to=" + e(to) + "&su=" + e(l.subject) + "&body=" + e(l.email)],
      ["Outlook.com", "https://outlook.live.com/mail/0/deeplink/compose?to=" + e(to) + "&subject=" + e(l.subject) + "&body=" + e(l.email)],
      ["Yahoo Mail", "https://compose.mail.yahoo.com/?to=" + e(to) + "&subject=" + e(l.subject) + "&body=" + e(l.email)]
    ];
  }

  // -- the page
  var inputs = D.fields;
  var STORE = "advocate-site:" + location.pathname;
  // Remembering: only when asked, only in this tab (sessionStorage: gone when the tab
  // closes), never for a page opened from a file (every local file shares that storage,
  // so a mailed attachment could read it). Unticking or "Forget me" deletes the copy.
  var canKeep = location.protocol !== "file:";
  function store() {
    try { return canKeep ? window.sessionStorage : null; } catch (err) { return null; }
  }
  function keep() {
    var st = store();
    try { if (st) st.setItem(STORE, JSON.stringify(raw())); } catch (err) { /* full or off */ }
  }
  // Earlier versions of this page kept the details in localStorage: delete that copy.
  function forgetOld() {
    try { window.localStorage.removeItem(STORE); } catch (err) { /* no storage */ }
  }
  function forgetStored() {
    var st = store();
    try { if (st) st.removeItem(STORE); } catch (err) { /* nothing stored */ }
    forgetOld();
  }
  function raw() {
    var r = {};
    inputs.forEach(function (f) { r[f] = $(f).value; });
    return r;
  }
  function update() {
    var v = view(raw()), tid = $("target").value, chosen = $("lang").value;
    var targets = tid === "*" ? D.targets : D.targets.filter(function (t) { return t.id === tid; });
    var letters = [];
    for (var i = 0; i < targets.length; i++) {
      var lang = chosen || targets[i].lang, l = letterFor(targets[i], lang, v, "");
      if (!l) { $("letter").textContent = "(this letter cannot be written here: use `advocate letter`)"; return; }
      l.lang = lang;
      l.email = emailFor(targets[i], lang, v, "full");
      letters.push(l);
    }
    var text = letters.map(function (l) { return l.text; }).join(D.separator);
    var pre = $("letter");
    pre.textContent = text;
    pre.style.setProperty("--lines", String(letters.reduce(function (n, l) {
      return Math.max(n, l.text.split("\n").length);
    }, 1)));
    pre.lang = letters.length ? letters[0].lang : "";
    pre.dir = letters.length && rtl(letters[0].lang) ? "rtl" : "ltr";
    // As render/eml.py: a link longer than MAILTO_MAX is cut by some mail programs, so then
    // the link opens the message with the subject only (paste the copied text, or use the .eml).
    paper(letters);
    reading(letters, v);
    var m = mailto(letters, v), a = $("mailto");
    if (m) { a.href = m; a.hidden = false; } else { a.removeAttribute("href"); a.hidden = true; }
    var e = $("eml");
    if (letters.length === 1) {
      e.href = "data:message/rfc822;base64," + b64(new TextEncoder().encode(eml(letters[0], v)));
      e.download = "letter-" + letters[0].target.id + ".eml";
      e.hidden = false;
    } else { e.hidden = true; }
    var wm = $("webmail");
    wm.textContent = "";
    if (letters.length === 1) {
      webmail(letters[0]).forEach(function (w, k) {
        if (k) wm.appendChild(document.createTextNode(" · "));
        var link = document.createElement("a");
        link.href = w[1]; link.textContent = w[0]; link.rel = "noreferrer noopener";
        wm.appendChild(link);
      });
    }
    wm.parentNode.hidden = letters.length !== 1;
    if ($("remember").checked) keep();
  }
  // The print layout: as the PDF letter, a sheet per letter with the sender block top right,
  // the recipient in the window of a DIN 5008 envelope, the date below it, then the body.
  function paper(letters, into) {
    var root = into || $("paper");
    root.textContent = "";
    letters.forEach(function (l) {
      var sheet = document.createElement("article"), body = document.createElement("div");
      sheet.className = "sheet";
      sheet.lang = l.lang;
      sheet.dir = rtl(l.lang) ? "rtl" : "ltr";
      var head = {}, lines = 0, chars = 0;
      ["sender", "recipient", "date"].forEach(function (k) {
        head[k] = document.createElement("div");
        head[k].className = k;
      });
      body.className = "body";
      l.blocks.forEach(function (b) {
        var into = head[b.kind];
        if (into) {
          if (into.childNodes.length) into.appendChild(document.createTextNode("\n"));
          into.appendChild(document.createTextNode(b.wide));
          return;
        }
        // Each paragraph whole (the letter's blocks converted without wrapping, so the
        // browser wraps them to the sheet), list items with a hanging indent, the heading's
        // underline of dashes dropped for a bold heading; the signature keeps its lines.
        var block = document.createElement("div"), rows = b.wide.split("\n");
        var heading = rows.length > 1 && /^[-=]{3,}$/.test(rows[rows.length - 1]);
        block.className = "block " + (b.kind || "") + (heading ? " heading" : "");
        (heading ? rows.slice(0, -1) : rows).forEach(function (line) {
          var para = document.createElement("div");
          para.className = /^(\p{Nd}+[.)]|[-*•]) /u.test(line) ? "item" : "line";
          para.textContent = line;
          block.appendChild(para);
        });
        chars += b.text.length;
        lines += b.text.split("\n").length > 1 ? 2 : 1;
        body.appendChild(block);
      });
      // An estimate of the body's printed lines (about 95 characters a line at 9.6 pt).
      lines += Math.ceil(chars / 95);
      body.style.setProperty("--lines", String(lines));
      sheet.appendChild(head.sender);
      sheet.appendChild(head.recipient);
      sheet.appendChild(head.date);
      sheet.appendChild(body);
      root.appendChild(sheet);
    });
  }
  // A reading copy (issue 22): the same letter in a language the supporter reads, below the
  // one that is sent, marked as a translation that is not sent; never printed, copied or
  // mailed. The personal note stays as written.
  function reading(letters, v) {
    var lang = $("reading").value, root = $("reading-copy");
    root.textContent = "";
    if (!lang || letters.length !== 1 || letters[0].lang === lang) return;
    var translated = letterFor(letters[0].target, lang, v, "");
    if (!translated) return;
    paper([{ lang: lang, blocks: translated.blocks }], root);
    var sheet = root.firstChild;
    sheet.classList.add("reading");
    var note = document.createElement("p");
    note.className = "reading-note";
    note.lang = document.documentElement.lang;  // the page's words, not the copy's
    note.dir = document.documentElement.dir;
    note.textContent = D.messages.reading;
    sheet.insertBefore(note, sheet.firstChild);
  }
  function copy() {
    var text = $("letter").textContent, status = $("status");
    function done() { status.textContent = D.messages.copied; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else fallback();
    function fallback() {                      // a textarea for a moment: select, copy
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      try { if (document.execCommand("copy")) done(); } catch (err) { /* Ctrl-C then */ }
      document.body.removeChild(area);
    }
  }
  // "Exit this page", as GOV.UK's: the button (a plain link to a blank page without
  // JavaScript) or Shift pressed three times replaces this page at once, so Back does
  // not return to it; what was typed is cleared first (a remembered copy stays only if asked).
  function leave(ev) {
    if (ev) ev.preventDefault();
    inputs.forEach(function (f) { $(f).value = ""; });
    $("letter").textContent = "";
    $("paper").textContent = "";
    $("reading-copy").textContent = "";
    document.title = "";
    location.replace($("exit").href);
  }
  var shifts = [];
  document.addEventListener("keyup", function (ev) {
    if (ev.key !== "Shift") { shifts = []; return; }
    var now = Date.now();
    shifts = shifts.filter(function (t) { return now - t < 5000; });
    shifts.push(now);
    if (shifts.length >= 3) leave();
  });
  $("exit").addEventListener("click", leave);
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });
  forgetOld();
  if (!canKeep) {
    $("remember").disabled = true;
    $("remember-off").hidden = false;
  } else {
    try {
      var saved = store() && store().getItem(STORE);
      if (saved) {
        var s = JSON.parse(saved);
        inputs.forEach(function (f) { if (typeof s[f] === "string") $(f).value = s[f]; });
        $("remember").checked = true;
      }
    } catch (err) { /* no storage */ }
  }
  if (D.targets.length) $("target").value = D.targets[0].id;
  $("form").addEventListener("input", update);
  $("form").addEventListener("change", update);
  $("form").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("remember").addEventListener("change", function () {
    if ($("remember").checked) keep(); else forgetStored();
  });
  $("forget").addEventListener("click", function () {
    forgetStored();
    inputs.forEach(function (f) { $(f).value = ""; });
    $("remember").checked = false;
    update();
    $("status").textContent = D.messages.forgotten;
  });
  $("copy").addEventListener("click", copy);
  $("print").addEventListener("click", function () { window.print(); });
  update();
})();
