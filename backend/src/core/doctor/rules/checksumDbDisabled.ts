import { defineRule } from '../rule.js';
import { envSettings } from './util.js';

function insecure(name: string, value: string): string | null {
  const v = value.trim();
  if (name === 'GOSUMDB' && v.toLowerCase() === 'off') return 'turns the checksum database off';
  if (name === 'GONOSUMCHECK' && v !== '' && v !== '0') return 'skips checksum verification';
  if (name === 'GOINSECURE' && v !== '') return `allows insecure (HTTP, unverified) fetches for ${v}`;
  if (name === 'GOFLAGS' && /(^|\s)-insecure(\s|=|$)/.test(v)) return 'passes -insecure to every go command';
  if (
    (name === 'GONOSUMDB' || name === 'GOPRIVATE' || name === 'GONOSUMCHECK') &&
    /(^|,)\s*\*\s*(,|$)/.test(v)
  ) {
    return 'exempts every module from the checksum database';
  }
  return null;
}

export const checksumDbDisabled = defineRule<undefined>({
  id: 'checksum-db-disabled',
  severity: 'warning',
  title: 'Checksum verification is switched off or widened to everything',
  explanation:
    'The checksum database (sum.golang.org) is what makes a module version mean the same bytes for everyone. ' +
    'GOSUMDB=off, GONOSUMCHECK, GOINSECURE, GOFLAGS=-insecure or a GOPRIVATE/GONOSUMDB of `*` let a proxy, a ' +
    'mirror or a re-tagged version feed different code into the build without any error, and the values ' +
    'stay in the image config for every later build that uses it. Exempt only your private module prefix.',
  fixSummary: 'scope with `GOPRIVATE`/`GONOSUMDB=<your private prefix>`',
  docs: {
    bad: `FROM golang:1.22.5 AS build
ENV GOSUMDB=off
`,
    good: `FROM golang:1.22.5 AS build
ENV GOPRIVATE=git.example.com/myteam
`,
  },
  check({ model }) {
    return envSettings(model).flatMap((s) => {
      const why = insecure(s.name, s.value);
      return why
        ? [
            {
              line: s.instr.line,
              endLine: s.instr.endLine,
              message: `${s.name}=${s.value} ${why}`,
              fix: 'remove it and set GOPRIVATE (or GONOSUMDB) to your private module prefix only',
              data: undefined,
            },
          ]
        : [];
    });
  },
});
