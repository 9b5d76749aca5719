#!/usr/bin/env python3
# Lists the rules of libmagic's compiled database (magic.mgc, format 18 = file 5.4x) that can
# match plain text and lead to a type of src/filter/attachments_types.cpp (executable or
# archive), or re-run the database further in ("indirect"). These are the markers
# src/filter/attachments_sniff.cpp must send to libmagic; rerun this after a libmagic upgrade
# and compare before allowing the new version in text_shortcut_available().
# "Plain text" = bytes libmagic is given for text (the first 512, attachments_magic.h): tab,
# LF, FF, CR, printable ASCII, and any byte from 0x80.
# Numbers are shown as bytes in file order: ?? any byte, (ce&fe) a byte that masked with fe
# gives ce.
# usage: magic_text_rules.py [MAGIC_MGC] [TYPES_CPP]
import re
import struct
import sys

MGC = sys.argv[1] if len(sys.argv) > 1 else "/usr/lib/file/magic.mgc"
TYPES = sys.argv[2] if len(sys.argv) > 2 else __file__.rsplit("/bench/", 1)[0] + "/src/filter/attachments_types.cpp"
ENTRY = 376  # sizeof(struct magic) in format 18
STRINGS = {5: "string", 13: "pstring", 17: "regex", 18: "bestring16", 19: "lestring16", 20: "search"}
NUMBERS = {1: (1, "<"), 2: (2, "<"), 4: (4, "<"), 7: (2, ">"), 8: (4, ">"), 10: (2, "<"), 11: (4, "<"),
           23: (4, "<"), 24: (8, "<"), 25: (8, "<"), 26: (8, ">")}
NAME, USE, INDIRECT = 45, 46, 41
TEXT_LIMIT = 512

data = open(MGC, "rb").read()
magic_no, version = struct.unpack_from("<II", data, 0)
if version != 18:
    sys.exit("unexpected magic.mgc format %d" % version)
entries = []
for off in range(ENTRY, len(data) - ENTRY + 1, ENTRY):
    (cont, flag, _factor, reln, vallen, typ, _in_type, _in_op, mask_op, _cond, _factor_op, offset,
     _in_offset, lineno, mask) = struct.unpack_from("<HBBBBBBBBBBiiIQ", data, off)
    entries.append(dict(cont=cont, flag=flag, reln=reln, typ=typ, offset=offset, lineno=lineno,
                        mask=mask, mask_op=mask_op, value=data[off + 32:off + 32 + 128][:vallen or 8],
                        raw=data[off + 32:off + 40],
                        desc=data[off + 160:off + 224].split(b"\0")[0].decode("latin-1"),
                        mime=data[off + 224:off + 304].split(b"\0")[0].decode("latin-1")))

groups = []
for e in entries:
    if e["cont"] == 0:
        groups.append([])
    groups[-1].append(e)
named = {}
for g in groups:
    if g[0]["typ"] == NAME:
        named.setdefault(g[0]["value"].decode("latin-1"), []).append(g)

targets = set(re.findall(r'"([a-z0-9.+-]+/[a-z0-9.+-]+)"', open(TYPES).read()))


def reach(g, seen=()):
    """Types a rule group can give (through named rules it uses) and whether it re-runs."""
    types, indirect = {e["mime"] for e in g if e["mime"]}, False
    for e in g:
        indirect |= e["typ"] == INDIRECT
        if e["typ"] == USE:
            name = e["value"].decode("latin-1").lstrip("^")
            if name in seen:
                continue
            for h in named.get(name, []):
                t, i = reach(h, seen + (name,))
                types |= t
                indirect |= i
    return types, indirect


def text_byte(c):
    return c in (9, 10, 12, 13) or 0x20 <= c < 0x7F or c >= 0x80


def number_bytes(e):
    """A numeric test's value and mask as bytes in file order."""
    size, order = NUMBERS[e["typ"]]
    value = int.from_bytes(e["raw"], "little")
    mask = e["mask"] if e["mask_op"] & 0x7F == 0 and e["mask"] else (1 << 64) - 1
    vb, mb = value.to_bytes(8, "little")[:size], mask.to_bytes(8, "little")[:size]
    return (vb[::-1], mb[::-1]) if order == ">" else (vb, mb)


def may_match_text(e):
    if e["typ"] in STRINGS:
        return all(text_byte(c) for c in e["value"])
    if e["typ"] in NUMBERS:
        vb, mb = number_bytes(e)
        if e["reln"] not in (0, ord("=")) or e["mask_op"] & 0x7F:
            return True  # a range or an operator: look at it by hand
        return all(m != 0xFF or text_byte(v) for v, m in zip(vb, mb))
    return True  # anything else: look at it by hand


for g in groups:
    top = g[0]
    if top["typ"] == NAME:
        continue
    types, indirect = reach(g)
    hit = sorted(types & targets)
    if not hit and not indirect:
        continue
    if not may_match_text(top):
        continue
    negative = bool(top["flag"] & 0x80)
    if not negative and top["offset"] >= TEXT_LIMIT and top["typ"] != 20:
        continue
    kind = STRINGS.get(top["typ"]) or "number%d" % top["typ"]
    if top["typ"] in NUMBERS:
        vb, mb = number_bytes(top)
        value = "".join("%02x" % v if m == 0xFF else "??" if m == 0 else "(%02x&%02x)" % (v, m)
                        for v, m in zip(vb, mb))
        if top["reln"] not in (0, ord("=")):
            value = chr(top["reln"]) + value
    else:
        value = repr(top["value"])
    print("line %5d  %s%d  %-8s %-40s %s%s" % (
        top["lineno"], "-" if negative else "", top["offset"], kind, value,
        ", ".join(hit), " (indirect)" if indirect else ""))
