import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { APP_OUTPUT, ensureModuleWorld, zipHash, RETAGGED, MODULES } from '../fixtures/goModules.js';
import { GO_BASE } from '../fixtures/fixtureImages.js';
import { describeEngines, docker, type TestEngine } from '../support/engines.js';

// The fixture images must really be what their names claim, or every analysis test proves nothing.

function sh(engine: TestEngine, image: string, script: string): string {
  return docker(engine, ['run', '--rm', '--network=none', image, 'sh', '-c', script]);
}

function buildFails(engine: TestEngine, dockerfile: string): string {
  const world = ensureModuleWorld();
  try {
    // No --no-cache here: with it BuildKit hands the step an empty cache mount.
    docker(engine, ['build', '--network=none', '--progress=plain', '-f', '-', world.contextDir], {
      input: dockerfile,
    });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
  throw new Error('build was expected to fail but succeeded');
}

describeEngines('fixture images', (engine) => {
  it('single-stage ships both caches and a working app', () => {
    expect(docker(engine, ['run', '--rm', '--network=none', 'lens-fixture/single-stage']).trim()).toBe(
      APP_OUTPUT,
    );
    const listing = sh(
      engine,
      'lens-fixture/single-stage',
      'find /go/pkg/mod/cache/download -name "*.ziphash" | sort; ls /root/.cache/go-build',
    );
    expect(listing).toContain('/go/pkg/mod/cache/download/example.com/liba/@v/v1.1.0.ziphash');
    expect(listing).toContain('/go/pkg/mod/cache/download/example.com/!libb/@v/v1.0.0.ziphash');
    expect(listing).toContain('/go/pkg/mod/cache/download/example.com/libc/@v/v2.0.0+incompatible.ziphash');
    expect(listing).toMatch(/^README$/m);
    expect(listing).toMatch(/^[0-9a-f]{2}$/m);
  });

  it('custom-paths and nonroot put the caches where their env says', () => {
    expect(
      sh(
        engine,
        'lens-fixture/custom-paths',
        'ls /opt/gomod/cache/download/example.com; ls /var/cache/gobuild/README; ls /go/pkg/mod 2>&1 || true',
      ),
    ).toMatch(/liba[\s\S]*\/var\/cache\/gobuild\/README[\s\S]*No such file/);
    const nonroot = sh(
      engine,
      'lens-fixture/nonroot',
      'id -u; ls /home/builder/go/pkg/mod/cache/download/example.com; ls /home/builder/.cache/go-build/README',
    );
    expect(nonroot).toMatch(/^1000$/m);
    expect(nonroot).toContain('liba');
  });

  it('cleanup fixtures delete the caches from the final filesystem', () => {
    for (const image of ['lens-fixture/cleanup-later', 'lens-fixture/cleanup-opaque']) {
      expect(
        sh(engine, image, 'find /go/pkg/mod /root/.cache/go-build -type f 2>/dev/null | wc -l').trim(),
      ).toBe('0');
    }
  });

  it('inherited carries libd from its base but no go.sum that names it', () => {
    const out = sh(
      engine,
      'lens-fixture/inherited',
      'ls /go/pkg/mod/example.com; grep -rl libd / --include=go.sum 2>/dev/null | grep -v "^/go/pkg/mod" || echo no-gosum',
    );
    expect(out).toContain('libd@v0.3.0');
    expect(out).toContain('no-gosum');
  });

  it('checksum-mismatch holds a .ziphash that the go.sum contradicts, and go build fails on it', () => {
    const out = sh(
      engine,
      'lens-fixture/checksum-mismatch',
      'cat /go/pkg/mod/cache/download/example.com/liba/@v/v1.1.0.ziphash; echo; grep "liba v1.1.0 " go.sum',
    );
    const original = MODULES.find((m) => m.path === 'example.com/liba' && m.version === 'v1.1.0')!;
    expect(out).toContain(zipHash(RETAGGED));
    expect(out).toContain(`example.com/liba v1.1.0 ${zipHash(original)}`);
    expect(zipHash(RETAGGED)).not.toBe(zipHash(original));
    const build = sh(
      engine,
      'lens-fixture/checksum-mismatch',
      'GOFLAGS=-mod=mod GOPROXY=off go build -o /tmp/app . 2>&1; echo exit=$?',
    );
    expect(build).toContain('checksum mismatch');
    expect(build).not.toContain('exit=0');
  });

  it('a stale shared cache mount with the re-tagged module breaks the next build with checksum mismatch', () => {
    const id = `lens-proof-${randomUUID().slice(0, 8)}`;
    const mount = `--mount=type=cache,id=${id},target=/go/pkg/mod`;
    const world = ensureModuleWorld();
    // Build 1 fills the shared cache from the proxy that served the re-tagged v1.1.0. The run id is in each
    // command because a step's cache key ignores the mount id: a cached step would never touch the mount.
    // (--no-cache is no way out: BuildKit then hands the step an empty cache mount.)
    docker(engine, ['build', '--network=none', '-f', '-', world.contextDir], {
      input: `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/go.mod ./\nCOPY retagged/go.sum ./go.sum\nRUN --mount=type=bind,source=proxy-retagged,target=/proxy ${mount} GOPROXY=file:///proxy go mod download && echo ${id}\n`,
    });
    // Build 2: the real go.sum, the same cache mount.
    const app = `FROM ${GO_BASE}\nWORKDIR /src\nCOPY app/ ./\nRUN --mount=type=bind,source=proxy,target=/proxy MOUNT GOPROXY=file:///proxy CGO_ENABLED=0 go build -o /out/app . && echo ${id}\n`;
    const failure = buildFails(engine, app.replace('MOUNT', mount));
    expect(failure).toMatch(/verifying example\.com\/liba@v1\.1\.0: checksum mismatch/);
    // Control: the same build with a fresh cache succeeds, so the stale cache is the only cause.
    docker(engine, ['build', '--network=none', '-f', '-', world.contextDir], {
      input: app.replace('MOUNT', `--mount=type=cache,id=${id}-fresh,target=/go/pkg/mod`),
    });
  });

  it('vendored has a vendor tree and no module cache; decoy has only look-alike directories', () => {
    expect(
      sh(
        engine,
        'lens-fixture/vendored',
        'head -1 /src/vendor/modules.txt; find /go/pkg/mod /root/.cache/go-build -type f 2>/dev/null | wc -l',
      ),
    ).toMatch(/^# example\.com\/Libb v1\.0\.0\n0\n$/);
    const decoy = sh(
      engine,
      'lens-fixture/decoy',
      'find /srv/pkg/mod /var/cache/go-build /opt/go/pkg/mod -type f | sort',
    );
    expect(decoy.trim().split('\n')).toHaveLength(4);
  });

  it('insecure-env sets the Go security switches in the image config', () => {
    const env = docker(engine, [
      'image',
      'inspect',
      '--format',
      '{{json .Config.Env}}',
      'lens-fixture/insecure-env',
    ]);
    for (const v of ['GOSUMDB=off', 'GOFLAGS=-insecure', 'GOINSECURE=*', 'GONOSUMDB=*', 'GOPRIVATE=*'])
      expect(env).toContain(v);
  });
});
