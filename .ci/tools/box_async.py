#!/usr/bin/env python3
"""One-off rewrite (issue 13, build time): `pub async fn f(..) -> T { body }` becomes
`pub fn f<'fut, ..>(..) -> crate::BoxFut<'fut, T> { Box::pin(async move { body }) }`.

Why: in a release build rustc treats an async fn's body (a coroutine) as generic and compiles it
again in every crate that awaits it, so the store's and the application's bodies were compiled
in the pages, the API and the commands once more. Behind a boxed future the body is compiled
once, in its own crate.

Usage: box_async.py [--skip NAME ...] [--allow-dyn NAME ...] FILE...
(`--allow-dyn`: a function whose parameters name a trait object whose own arguments hold no
reference, so that giving each `&` a lifetime of its own keeps its meaning.)
"""
import re
import sys


def skip_string(t, i):
    """t[i] starts a string-ish token; return index after it."""
    c = t[i]
    if c == '"':
        j = i + 1
        while t[j] != '"':
            j += 2 if t[j] == '\\' else 1
        return j + 1
    raise ValueError


def scan_to_match(t, i, open_c, close_c):
    """t[i] == open_c; return the index of the matching close_c, skipping comments and literals."""
    depth = 0
    n = len(t)
    while i < n:
        c = t[i]
        if t.startswith('//', i):
            i = t.index('\n', i)
            continue
        if t.startswith('/*', i):
            i = t.index('*/', i) + 2
            continue
        m = re.match(r'b?r(#*)"', t[i:i + 10])
        if m and (i == 0 or not (t[i - 1].isalnum() or t[i - 1] == '_')):
            hashes = m.group(1)
            end = t.index('"' + hashes, i + len(m.group(0)))
            i = end + 1 + len(hashes)
            continue
        if c == '"':
            i = skip_string(t, i)
            continue
        if c == "'":
            if t[i + 1] == '\\':
                i = t.index("'", i + 3) + 1
                continue
            if i + 2 < n and t[i + 2] == "'":
                i += 3
                continue
            i += 1
            continue
        if c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError('unbalanced')


def rewrite(t, skip, allow_dyn=()):
    out = []
    pos = 0
    count = 0
    for m in re.finditer(r'\bpub async fn\s+(\w+)', t):
        start = m.start()
        if start < pos:
            continue
        line_start = t.rfind('\n', 0, start) + 1
        if '//' in t[line_start:start]:
            continue
        name = m.group(1)
        if name in skip:
            continue
        i = m.end()
        generics = ''
        if t[i] == '<':
            j = i
            depth = 0
            while True:
                if t[j] == '<':
                    depth += 1
                elif t[j] == '>':
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            generics = t[i + 1:j]
            i = j + 1
            if any(not g.strip().startswith("'") for g in generics.split(',') if g.strip()):
                continue
        if t[i] != '(':
            continue
        pend = scan_to_match(t, i, '(', ')')
        params = t[i + 1:pend]
        if name not in allow_dyn and re.search(r'\bimpl\b|\bdyn\b|Fn\(|FnMut\(|FnOnce\(', params):
            continue
        if re.search(r'\bimpl\b', params):
            continue
        k = pend + 1
        brace = t.index('{', k)
        between = t[k:brace]
        if re.search(r'\bwhere\b', between):
            continue
        ret = between.strip()
        if ret.startswith('->'):
            ret = ret[2:].strip()
        elif ret == '':
            ret = '()'
        else:
            continue
        bend = scan_to_match(t, brace, '{', '}')
        body = t[brace:bend + 1]
        lifetimes = []

        def fresh():
            name_ = f"'l{len(lifetimes) + 1}"
            lifetimes.append(name_)
            return name_

        new_params = re.sub(r"'_\b", lambda _: fresh(), params)
        new_params = re.sub(r"&(?!\s*')", lambda _: '&' + fresh() + ' ', new_params)
        existing = [g.strip().split(':')[0].strip() for g in generics.split(',') if g.strip()]
        decl = ["'fut"] + [f"{l}: 'fut" for l in existing + lifetimes]
        indent = t[line_start:start]
        new = (f"#[inline(never)]\n{indent}pub fn {name}<{', '.join(decl)}>({new_params}) -> crate::BoxFut<'fut, {ret}> {{\n"
               f"{indent}    Box::pin(async move {body})\n{indent}}}")
        out.append(t[pos:start])
        out.append(new)
        pos = bend + 1
        count += 1
    out.append(t[pos:])
    return ''.join(out), count


def main():
    args = sys.argv[1:]
    skip = set()
    allow_dyn = set()
    files = []
    while args:
        a = args.pop(0)
        if a == '--skip':
            skip.add(args.pop(0))
        elif a == '--allow-dyn':
            allow_dyn.add(args.pop(0))
        else:
            files.append(a)
    total = 0
    for f in files:
        t = open(f).read()
        new, n = rewrite(t, skip, allow_dyn)
        if n:
            open(f, 'w').write(new)
        total += n
    print(f'{total} functions boxed', file=sys.stderr)


if __name__ == '__main__':
    main()
