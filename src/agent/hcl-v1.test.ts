import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

// Captured before the parser loads, to check that loading it changes nothing.
const stackTraceLimitBefore = Error.stackTraceLimit;
const hadGlobalRequire = 'require' in globalThis;
const { parseHclV1, widenLargeIntegers } = await import('./hcl-v1.ts');

const widened = (text: string) => widenLargeIntegers(text).text;

describe('parseHclV1', () => {
  it('reads blocks as lists of objects, as Go’s hcl.Decode does', () => {
    assert.deepEqual(parseHclV1('a = 1\nb { c = "d" }\ne = [true, 1.5]'), {
      ok: true,
      value: { a: 1, b: [{ c: 'd' }], e: [true, 1.5] },
    });
  });

  it('reports the parser’s message', () => {
    assert.deepEqual(parseHclV1('a = "x'), { ok: false, message: 'At 1:7: literal not terminated' });
  });

  it('leaves the process as it found it', () => {
    assert.equal(Error.stackTraceLimit, stackTraceLimitBefore);
    assert.equal('require' in globalThis, hadGlobalRequire);
  });
});

describe('integers beyond 32 bits', () => {
  it('are read as Consul’s 64-bit parser reads them: top level, blocks, lists, negative', () => {
    const text = [
      'interval = 10000000000',
      'timeout = -10000000000',
      'check { interval = 10000000000 }',
      'service "web" {',
      '  check { ttl = 30000000000, interval = 5 }',
      '}',
      'ports = [1, 10000000000, -10000000000]',
    ].join('\n');
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: {
        interval: 10_000_000_000,
        timeout: -10_000_000_000,
        check: [{ interval: 10_000_000_000 }],
        service: [{ web: [{ check: [{ ttl: 30_000_000_000, interval: 5 }] }] }],
        ports: [1, 10_000_000_000, -10_000_000_000],
      },
    });
  });

  it('are rewritten only outside the int32 range, which the parser reads itself', () => {
    const cases: [string, string, number][] = [
      ['2147483647', '2147483647', 2 ** 31 - 1],
      ['2147483648', '2147483648.0', 2 ** 31],
      ['-2147483648', '-2147483648', -(2 ** 31)],
      ['-2147483649', '-2147483649.0', -(2 ** 31) - 1],
      ['9007199254740992', '9007199254740992.0', 2 ** 53],
      ['-9007199254740992', '-9007199254740992.0', -(2 ** 53)],
    ];
    for (const [literal, rewritten, value] of cases) {
      assert.equal(widened(`a = ${literal}`), `a = ${rewritten}`);
      assert.deepEqual(parseHclV1(`a = ${literal}`), { ok: true, value: { a: value } });
    }
  });

  it('in hex and octal are rewritten in decimal', () => {
    const text = 'a = 0x2540BE400\nb = 0112402762000\nc = -0x80000001\nd = 0x7fffffff\ne = 017';
    assert.equal(
      widened(text),
      'a = 10000000000.0\nb = 10000000000.0\nc = -2147483649.0\nd = 0x7fffffff\ne = 017',
    );
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: { a: 10_000_000_000, b: 10_000_000_000, c: -(2 ** 31) - 1, d: 2 ** 31 - 1, e: 15 },
    });
  });

  it('beyond ±2^53 are an error at their position rather than a rounded number', () => {
    for (const literal of [
      '9007199254740993',
      '-9007199254740993',
      '9223372036854775807',
      '0x20000000000001',
    ]) {
      assert.deepEqual(parseHclV1(`a = 1\nport = ${literal}\nb = 2`), {
        ok: false,
        message:
          `At 2:8: integer ${literal} is out of range: ` +
          'integers are read exactly only up to ±9007199254740992 (2^53)',
      });
    }
    // The column counts code points, as Go's scanner does.
    const result = parseHclV1('"é😀" = 9007199254740993');
    assert.match(result.ok ? '' : result.message, /^At 1:8: integer 9007199254740993 /);
  });

  it('leave syntax errors to the parser, on the same line and column when they come on a later line', () => {
    assert.deepEqual(parseHclV1('a = 9007199254740993\nb = "x'), {
      ok: false,
      message: 'At 2:7: literal not terminated',
    });
    assert.deepEqual(parseHclV1('a = 10000000000\nb = "x'), parseHclV1('a = 1\nb = "x'));
  });

  it('leaves floats as they are', () => {
    const text =
      'a = 1e10\nb = 10000000000.5\nc = .5\nd = 1.5e10\ne = 10000000000e0\nf = -10000000000.0\ng = 0.1';
    assert.equal(widened(text), text);
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: { a: 1e10, b: 10_000_000_000.5, c: 0.5, d: 1.5e10, e: 1e10, f: -1e10, g: 0.1 },
    });
  });

  it('leaves strings alone, escapes and interpolations included', () => {
    const text = [
      'a = "10000000000"',
      'b = "say \\"10000000000\\" \\\\ -10000000000"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation
      'c = "${lookup(map, "k 10000000000")} 0x2540BE400"',
      'd = 10000000000',
    ].join('\n');
    assert.equal(widened(text), text.replace('d = 10000000000', 'd = 10000000000.0'));
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: {
        a: '10000000000',
        b: 'say "10000000000" \\ -10000000000',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation
        c: '${lookup(map, "k 10000000000")} 0x2540BE400',
        d: 10_000_000_000,
      },
    });
  });

  it('leaves heredocs alone, <<EOF and <<-EOF', () => {
    const text = [
      'a = <<EOF',
      '10000000000',
      '  EOF is not the end: 10000000000',
      'EOF',
      'b = <<-END',
      '    -10000000000',
      '    END',
      'c = <<-END',
      'END', // not the end of a <<- heredoc, for the scanner
      '  10000000000',
      '  END',
      'd = 10000000000',
      '',
    ].join('\n');
    assert.equal(widened(text), text.replace('d = 10000000000', 'd = 10000000000.0'));
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: {
        a: '10000000000\n  EOF is not the end: 10000000000\n',
        b: '-10000000000\n',
        c: 'END\n  10000000000\n',
        d: 10_000_000_000,
      },
    });
    assert.deepEqual(parseHclV1('a = <<EOF\r\n10000000000\r\nEOF\r\nb = 10000000000\r\n'), {
      ok: true,
      value: { a: '10000000000\n', b: 10_000_000_000 },
    });
  });

  it('leaves comments alone', () => {
    const text = [
      '# interval = 10000000000',
      '// timeout = 10000000000',
      '/* ttl = 10000000000',
      '   ttl = 10000000000 */ interval = 10000000000 # 10000000000',
    ].join('\n');
    assert.equal(widened(text), text.replace('interval = 10000000000 #', 'interval = 10000000000.0 #'));
    assert.deepEqual(parseHclV1(text), { ok: true, value: { interval: 10_000_000_000 } });
  });

  it('leaves keys with digits alone', () => {
    const text = [
      'a10000000000 = 1',
      'x.10000000000 = 2',
      'node-10000000000 = 3',
      '"10000000000" = 4',
      'meta.1-10000000000 = 5',
      'block "10000000000" { v = 10000000000 }',
    ].join('\n');
    assert.equal(widened(text), text.replace('v = 10000000000', 'v = 10000000000.0'));
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: {
        a10000000000: 1,
        'x.10000000000': 2,
        'node-10000000000': 3,
        '10000000000': 4,
        'meta.1-10000000000': 5,
        block: [{ '10000000000': [{ v: 10_000_000_000 }] }],
      },
    });
  });

  it('are read in a .hcl file holding JSON, which the parser reads with its JSON scanner', () => {
    // In a JSON string a quote ends it even after `${`, unlike in HCL.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation
    const text = '\n\t {"name": "${", "interval": 10000000000, "list": [-10000000000]}';
    assert.equal(widened(text), text.replaceAll('10000000000', '10000000000.0'));
    assert.deepEqual(parseHclV1(text), {
      ok: true,
      value: { name: '${', interval: 10_000_000_000, list: [-10_000_000_000] },
    });
    // JSON has neither hex nor octal: these stay the parser's errors.
    for (const literal of ['0x2540BE400', '0112402762000']) {
      assert.equal(widened(`{"a": ${literal}}`), `{"a": ${literal}}`);
      assert.equal(parseHclV1(`{"a": ${literal}}`).ok, false);
    }
  });

  it('read exactly as the integer, for any integer in [−2^53, 2^53]', () => {
    const limit = 2n ** 53n;
    fc.assert(
      fc.property(fc.bigInt({ min: -limit, max: limit }), (n) => {
        assert.deepEqual(parseHclV1(`interval = ${n}`), { ok: true, value: { interval: Number(n) } });
      }),
      { numRuns: 300 },
    );
  });

  it('read exactly in any document, whatever its strings, heredocs, comments and keys hold', () => {
    const limit = 2n ** 53n;
    const integer = fc
      .tuple(fc.bigInt({ min: -limit, max: limit }), fc.constantFrom(10, 16, 8))
      .map(([n, radix]) => {
        const sign = n < 0n ? '-' : '';
        const magnitude = (n < 0n ? -n : n).toString(radix);
        const prefix = radix === 16 ? '0x' : radix === 8 ? '0' : '';
        return { hcl: `${sign}${prefix}${magnitude}`, value: Number(n) };
      });
    const tricky = fc
      .array(fc.constantFrom(...'1|10000000000|-|.|e|x| |#|//|/*|*/|"|\\|{|é'.split('|')), { maxLength: 8 })
      .map((pieces) => pieces.join(''));
    const quoted = (raw: string) => `"${raw.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    const string = tricky.map((raw) => ({ hcl: quoted(raw), value: raw }));
    const heredoc = fc
      .array(tricky, { minLength: 1, maxLength: 3 })
      .map((lines) => ({ hcl: `<<EOF\n${lines.join('\n')}\nEOF\n`, value: `${lines.join('\n')}\n` }));
    const list = fc.array(fc.oneof(integer, string), { maxLength: 3 }).map((items) => ({
      hcl: `[${items.map((item) => item.hcl).join(', ')}]`,
      value: items.map((item) => item.value),
    }));
    const key = fc.constantFrom(
      'a',
      'x10000000000',
      'k.2147483648',
      'node-9007199254740993',
      '"10000000000 #"',
    );
    const comment = fc.constantFrom('', '# 10000000000\n', '// -0x80000000\n', '/* 9007199254740993\n */ ');
    const { block } = fc.letrec<{ block: { hcl: string; value: Record<string, unknown> } }>((tie) => ({
      block: fc
        .array(
          fc.tuple(
            comment,
            key,
            fc.oneof({ depthSize: 'small' }, integer, string, heredoc, list, tie('block')),
          ),
          {
            maxLength: 4,
          },
        )
        .map((items) => {
          const value: Record<string, unknown> = {};
          const lines = items.map(([before, name, item], index) => {
            // Unique keys: Go's decoder merges repeated ones.
            const unique = name.startsWith('"') ? `${name.slice(0, -1)}${index}"` : `${name}${index}`;
            const isBlock = typeof item.value === 'object' && !Array.isArray(item.value);
            value[JSON.parse(unique.startsWith('"') ? unique : `"${unique}"`)] = isBlock
              ? [item.value]
              : item.value;
            return `${before}${unique} ${isBlock ? '' : '= '}${isBlock ? `{\n${item.hcl}\n}` : item.hcl}`;
          });
          return { hcl: lines.join('\n'), value };
        }),
    }));
    fc.assert(
      fc.property(block, (document) => {
        assert.deepEqual(parseHclV1(document.hcl), { ok: true, value: document.value });
      }),
      { numRuns: 300 },
    );
  });
});
