#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into fuzz/corpus/<target>/seed-*.

The seeds are committed; this script says how they were made and remakes them
(`fuzz/make_seeds.py`). Findings are kept next to them as finding-* files,
written by hand from what libFuzzer saved, and this script leaves them alone.
"""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def deep(depth, open_="[", close="]", inner=""):
    return open_ * depth + inner + close * depth


# ---- json_reader ---------------------------------------------------------
json_seeds = {
    "every-type": '{"n":null,"t":true,"f":false,"i":-12,"s":"x","a":[1,[]],"o":{}}',
    "whitespace": ' \t\r\n[ 1 ,\n\t2 ]\r\n ',
    "duplicates": '{"a":1,"a":2,"b":{"a":3,"a":[4]}}',
    "numbers": '[0,-0,1.0,1e21,1E-7,-1.5e+300,99999999999999999999,0.000001,5e-324,1e400,-1e-400]',
    "escapes": r'"\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00"',
    "lone-surrogates": r'["\ud800","\udc00","\ud800\u0041","\ud800\ud800\udc00"]',
    "nul-escape": r'{"k\u0000":"\u0000"}',
    "utf8": '["é","€","😀","\u2028\u2029"]',
    "bad-overlong": b'"\xc0\x80"',
    "bad-surrogate-bytes": b'"\xed\xa0\x80"',
    "bad-above-max": b'"\xf4\x90\x80\x80"',
    "bad-truncated-utf8": b'"\xe2\x82"',
    "bad-control": b'"a\x01b"',
    "bad-trailing-comma": '[1,2,]',
    "bad-leading-zero": '012',
    "bad-unterminated": '{"a":[1,2',
    "bad-literal": '[tru]',
    "bad-after-value": '{} {}',
    "bad-lines": '{\n  "a": 1,\n  "b": é\n}',
    "empty-containers": '[[],{},[{}],{"":[]}]',
    "depth-limit": deep(10000),
    "depth-over-limit": deep(10001),
    "depth-limit-objects": deep(5000, '{"a":[', "]}") ,
}
for name, text in json_seeds.items():
    write("json_reader", name, text)

# ---- go_json_unique_key ----------------------------------------------------
# args \0 control \0 path \0 path...; control: flags, period (8 bytes),
# [states byte if flag 0x20], scheduled_at (8), now (8), in microseconds.
NOW = 1767323045_678900  # 2026-01-02T03:04:05.6789Z


def control(flags, period=0, scheduled=0, now=NOW, states=None):
    out = bytes([flags]) + struct.pack(">q", period)
    if states is not None:
        out += bytes([states])
    return out + struct.pack(">q", scheduled) + struct.pack(">q", now)


def unique_seed(name, args, ctl=b"", paths=()):
    data = args.encode("utf-8", "surrogatepass")
    if ctl or paths:
        data += b"\0" + ctl
    for path in paths:
        data += b"\0" + path.encode()
    write("go_json_unique_key", name, data)


unique_seed("floats", '{"f":[1.0,1.5,0.1,1e21,1e20,123456789.125,1e-7,0.000001,-0.0,5e-324,2.2250738585072014e-308]}')
unique_seed("float-limits", '{"big":1.7976931348623157e308,"over":1e309,"under":1e-400,"neg_under":-1e-400}')
unique_seed("integers", '{"i":99999999999999999999,"z":-0,"n":-12}')
unique_seed("go-escapes", '{"s":"<a href=\\"x\\">&amp;</a>\u2028\u2029\\u0001\\t","é":"\\u00e9"}')
unique_seed("unsorted-duplicates", '{"b":1,"a":{"y":1,"x":2},"b":2,"":0}')
unique_seed("by-period", '{"a":1}', control(0x07, 3600, now=NOW))
unique_seed("by-period-scheduled", '{"a":1}', control(0x15, 86400, scheduled=1735689600_000000))
unique_seed("by-period-nanos", '{"a":1}', control(0x45, 1_500_000_000))
unique_seed("by-state", '{"a":1}', control(0x21, 0, states=0xF5))
unique_seed("exclude-kind", '{"a":1}', control(0x09))
unique_seed("subset", '{"account":{"id":7,"region":"eu"},"label":"x","path/key":1,"items":[10,20]}',
            control(0x03), ("account.id", "account.region", "label", "path/key", "items.1"))
unique_seed("subset-escaped", '{"user.id":1,"user":{"id":2},"@user":3,":id":4}', control(0x03),
            ("user\\.id", "user.id", "@user", ":id"))
unique_seed("subset-overlapping", '{"a":{"b":1,"c":2},"d":3}', control(0x03), ("a", "a.b", "d.e"))
unique_seed("not-object", '[1,2]')
unique_seed("deep-args", '{"a":' + deep(9999) + '}')

# ---- row_decoder ------------------------------------------------------------
PG_EPOCH_MICROS = 946684800 * 1_000_000


def cell(value):
    if value is None:
        return b"\xff\xff"
    return struct.pack(">H", len(value)) + value


def ts(unix_micros):
    return struct.pack(">q", unix_micros - PG_EPOCH_MICROS)


def array(elements, oid):
    if not elements:
        return struct.pack(">iii", 0, 0, oid)
    out = struct.pack(">iiiii", 1, 0, oid, len(elements), 1)
    for e in elements:
        out += struct.pack(">i", len(e)) + e
    return out


created = 1767323045_678900
error = json.dumps({"at": "2026-01-02T03:04:05.6789Z", "attempt": 1, "error": "boom", "trace": "t"}).encode()
binary_row = [
    struct.pack(">q", 42), b"\x01" + b'{"to":"a@example.com"}', struct.pack(">h", 1), ts(created),
    array([b"host-1"], 25), ts(created), array([b"\x01" + error], 3802), None, b"email",
    struct.pack(">h", 25), b"\x01{}", struct.pack(">h", 1), b"default", b"retryable", ts(created + 1_000_000),
    array([b"t1", b"t2"], 25), bytes(range(32)), struct.pack(">i", 8) + b"\xf5",
]
write("row_decoder", "binary", b"\x00" + b"".join(cell(c) for c in binary_row))
write("row_decoder", "binary-insert", b"\x02" + b"".join(cell(c) for c in binary_row) + cell(b"\x01"))
minimal = list(binary_row)
for i in (3, 4, 6, 7, 15, 16, 17):
    minimal[i] = None
minimal[13] = b"available"
write("row_decoder", "binary-nulls", b"\x00" + b"".join(cell(c) for c in minimal))
empty_arrays = list(binary_row)
empty_arrays[4] = array([], 25)
empty_arrays[6] = array([], 3802)
empty_arrays[15] = array([], 25)
write("row_decoder", "binary-empty-arrays", b"\x00" + b"".join(cell(c) for c in empty_arrays))
write("row_decoder", "binary-too-few", b"\x00" + b"".join(cell(c) for c in binary_row[:5]))
text_row = [
    b"42", b'{"to": "a@example.com"}', b"1", str(created).encode(), b'["host-1"]', str(created).encode(),
    b"[" + error + b"]", None, b"email", b"25", b"{}", b"1", b"default", b"retryable",
    str(created + 1_000_000).encode(), b'["t1","t2"]', bytes(range(32)).hex().encode(), b"11110101",
]
def text_cells(cells):
    return b"\x1f".join(b"\xff" if c is None else c for c in cells)


write("row_decoder", "text", b"\x01" + text_cells(text_row))
write("row_decoder", "text-insert", b"\x03" + text_cells(text_row + [b"f"]))
text_minimal = list(text_row)
for i in (3, 4, 6, 7, 15, 16, 17):
    text_minimal[i] = None
write("row_decoder", "text-nulls", b"\x01" + text_cells(text_minimal))
infinity = list(binary_row)
infinity[14] = struct.pack(">q", 2**63 - 1)  # PostgreSQL's 'infinity'
infinity[5] = struct.pack(">q", -2**63)  # and '-infinity'
write("row_decoder", "binary-infinity", b"\x00" + b"".join(cell(c) for c in infinity))

# ---- copy_encoder -------------------------------------------------------------
# kind, args, metadata, queue, tags, control, separated by 0x1F; control: flags,
# max_attempts (2), priority (1), scheduled_at (8, microseconds),
# clock (8: now is 0001-01-01 + clock mod 0001..9999), extra columns (1).
EARLIEST_MICROS = -62135596800_000000


def copy_control(flags, max_attempts=0, priority=0, scheduled=0, now=NOW, extra=0):
    return (bytes([flags]) + struct.pack(">h", max_attempts) + struct.pack(">b", priority) +
            struct.pack(">q", scheduled) + struct.pack(">Q", now - EARLIEST_MICROS) + bytes([extra]))


def copy_seed(name, kind, args, metadata="", queue="", tags="", ctl=b""):
    write("copy_encoder", name, b"\x1f".join(x.encode() if isinstance(x, str) else x
                                           for x in (kind, args, metadata, queue, tags, ctl)))


copy_seed("defaults", "email", '{"to":"a@example.com"}', ctl=copy_control(0))
copy_seed("every-column", "email", '{"to":"a@example.com"}', '{"source":"import"}', "mail", "t1,t-2,NULL",
          copy_control(0x7F, 5, 2, NOW + 3600_000_000))
copy_seed("escapes", "kind\twith\\tab", '{\n\t"s": "back\\\\slash\\r\\n"\r\n}', '{"m":"\\t"}', "",
          "", copy_control(0x01))
copy_seed("scheduled-before-1970", "k", '{}', ctl=copy_control(0x10, scheduled=-1_500_001))
copy_seed("all-columns-at-defaults", "k", '{}', ctl=copy_control(0, extra=0x7F))
copy_seed("unicode-kind", "é😀", '{"é":"😀"}', ctl=copy_control(0))
copy_seed("year-9999", "k", '{}', ctl=copy_control(0x10, scheduled=253402300799_999999, now=EARLIEST_MICROS))

# ---- rpc_request ---------------------------------------------------------------
rpc_lines = {
    "handshake": '{"id":1,"jsonrpc":"2.0","method":"handshake"}',
    "handshake-ids": '{"id":"ab","jsonrpc":"2.0","method":"handshake","params":{}}\n'
                     '{"id":1.50,"jsonrpc":"2.0","method":"handshake"}\n{"id":null,"jsonrpc":"2.0","method":"handshake"}',
    "bad-requests": '{"id":9,"jsonrpc":"1.0","method":"handshake"}\n{"id":{"n":1},"jsonrpc":"2.0","method":"handshake"}\n'
                    '[1]\nnot json\n{"jsonrpc":"2.0"}\n{"jsonrpc":"2.0","method":"nope","id":3}',
    "insert": '{"id":2,"jsonrpc":"2.0","method":"insert","params":{"behavior":"output","duration_ms":5,"message":"hi",'
              '"opts":{"max_attempts":3,"metadata":{"a":1.50},"pending":false,"priority":2,"queue":"q1",'
              '"scheduled_at":"2026-01-02T03:04:05Z","tags":["t1"],"unique":{"by_args":true,"by_period_ms":60000,'
              '"by_queue":true,"by_state":["available","pending","running","scheduled"]}},"schema":"s"}}',
    "insert-many": '{"id":3,"jsonrpc":"2.0","method":"insert_many","params":{"jobs":[{"behavior":"","message":"a"},'
                   '{"opts":{"metadata":{"n":-0}}}]}}',
    "transactions": '{"id":4,"jsonrpc":"2.0","method":"tx_begin","params":{"handle":"h"}}\n'
                    '{"id":5,"jsonrpc":"2.0","method":"tx_insert","params":{"handle":"h","job":{"message":"m"}}}\n'
                    '{"id":6,"jsonrpc":"2.0","method":"tx_insert_many","params":{"handle":"h","jobs":[{}]}}\n'
                    '{"id":7,"jsonrpc":"2.0","method":"tx_commit","params":{"handle":"h"}}\n'
                    '{"id":8,"jsonrpc":"2.0","method":"tx_rollback","params":{"handle":"h"}}',
    "unique-key": '{"id":9,"jsonrpc":"2.0","method":"unique_key","params":{"args":{"b":1.0,"a":[1, 2]},'
                  '"kind":"conformance_all_args","now":"2026-01-02T03:04:05.6789Z","options":{"by_args":true,'
                  '"by_period_nanos":3600000000000,"by_queue":true,"exclude_kind":false,"by_state":["available",'
                  '"pending","running","scheduled"]},"queue":"default","scheduled_at":"2026-01-02T00:00:00+01:00"}}',
    "unique-key-selected": '{"id":10,"jsonrpc":"2.0","method":"unique_key","params":{"args":{"account":{"id":7,'
                           '"region":"eu"},"label":"x","path/key":[1]},"kind":"conformance_selected_args",'
                           '"now":"2026-01-02T03:04:05Z","options":{"by_args":true}}}',
    "unique-key-dotted": '{"id":11,"jsonrpc":"2.0","method":"unique_key","params":{"args":{"@user":1,"user.id":2,'
                         '"user":{"id":3},"é":4},"kind":"conformance_dotted_selected_args","now":"2026-01-02T03:04:05Z",'
                         '"options":{"by_args":true}}}',
    "deep-params": '{"id":12,"jsonrpc":"2.0","method":"handshake","params":' + deep(9998) + '}',
}
for name, text in rpc_lines.items():
    write("rpc_request", name, text)

# ---- jsonl_jobs -----------------------------------------------------------------
jsonl = {
    "documented": '{"kind": "email", "args": {"to": "a@example.com"}, "queue": "mail", "priority": 2, "max_attempts": 5, '
                  '"scheduled_at": "2026-01-02T03:04:05Z", "tags": ["t1"], "metadata": {"source": "import"}, '
                  '"pending": false, "unique_opts": {"by_args": true, "by_period": 3600, "by_queue": true, '
                  '"by_state": ["available", "pending", "running", "scheduled"], "exclude_kind": false}}\n',
    "blank-lines": '\n{"kind":"a","args":{}}\r\n  \t\n\n{"kind":"b","args":{"n":-0},"priority":0}\n{"kind":"c","args":{}}',
    "subset-keys": '{"kind":"k","args":{"a":{"b":[1,2]},"c":"d"},"unique_opts":{"by_args":["a.b.1","c"],"by_period":1.5}}\n',
    "nulls": '{"kind":"k","args":{},"queue":null,"tags":null,"metadata":null,"unique_opts":null}\n',
    "bad-second-line": '{"kind":"k","args":{}}\n{"kind":"k","args":{},"args":{}}\n',
    "bad-fields": '{"kind":"k","args":{},"bogus":1}\n',
    "bad-json": '{"kind":"k","args":{}\n',
    "bad-unique": '{"kind":"k","args":{},"unique_opts":{"by_state":["nope"]}}\n',
    "deep-args": '{"kind":"k","args":{"a":' + deep(9998) + '}}\n',
}
for name, text in jsonl.items():
    write("jsonl_jobs", name, text)

# ---- jsonb_text --------------------------------------------------------------
jsonb = {
    "object": '{"b":1,"a":2,"aa":3,"":4,"a":5}',
    "numbers": "[1e2, 1.50, -0, -0.0, 1E-3, 12e-1, 1.5e1, 0.0e-2, -1.25e+2, 1200e-2, 0e5, 1e1000, 1e-1000]",
    "beyond-numeric": "[1e1001, 1e-16384]",
    "strings": r'["\/", "a\tb\n", "\u001f\u0007\u007f", "\"\\", "\ud83d\ude00", "\u00e9", "é"]',
    "nested": '{"n":{"z":[{"b":null,"a":true}],"a":false},"l":[[],[{}],[[1]]]}',
    "deepest-rendered": deep(32),
    "too-deep": deep(33),
    "not-storable": r'{"k":"\u0000"}',
}
for name, text in jsonb.items():
    write("jsonb_text", name, text)
