'use strict';
// npm run demo — the main job on the bundled example genomes: compress them into one archive,
// look inside, extract a sample and a range, and check every sequence reads back exactly.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'lib', 'cli', 'bin.cjs');
const examples = path.join(root, 'examples');
const outDir = path.join(root, 'demo-out');
const archive = path.join(outDir, 'examples.agc');
const inputs = ['EMC_2012.fa', 'Bisha_1_2012.fa', 'Qatar3.fa'];

function agc(args, { show = true } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'latin1', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(`agc-node ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  if (show) {
    console.log(`$ agc-node ${args.map((a) => path.relative(root, a) || a).join(' ')}`);
    const text = r.stdout + r.stderr;
    const lines = text.split('\n');
    console.log(lines.slice(0, 12).join('\n') + (lines.length > 12 ? `\n... (${lines.length - 12} more lines)` : ''));
  }
  return r.stdout;
}

/** name -> sequence (upper case, no line breaks) of every record of a FASTA text. */
function records(text) {
  const out = new Map();
  for (const rec of text.split('>').slice(1)) {
    const nl = rec.indexOf('\n');
    out.set(
      rec.slice(0, nl),
      rec
        .slice(nl + 1)
        .replace(/\s+/g, '')
        .toUpperCase(),
    );
  }
  return out;
}

fs.mkdirSync(outDir, { recursive: true });
agc(['create', '-o', archive, ...inputs.map((f) => path.join(examples, f))]);
const inBytes = inputs.reduce((n, f) => n + fs.statSync(path.join(examples, f)).size, 0);
console.log(`archive: ${fs.statSync(archive).size} bytes for ${inBytes} bytes of FASTA\n`);
agc(['info', archive]);
agc(['listset', archive]);
agc(['listctg', archive, 'Qatar3']);
agc(['getctg', archive, 'gi|409052551|gb|JX869059.2|@EMC_2012:100-219']);

let checked = 0;
for (const f of inputs) {
  const sample = f.replace(/\.fa$/, '');
  const got = records(agc(['getset', archive, sample], { show: false }));
  const want = records(fs.readFileSync(path.join(examples, f), 'latin1'));
  for (const [name, seq] of want) {
    if (got.get(name) !== seq) {
      console.error(`demo: ${sample}/${name} did not read back exactly`);
      process.exit(1);
    }
    checked += seq.length;
  }
}
console.log(`\nround trip: all ${inputs.length} samples (${checked} bases) read back exactly from ${path.relative(root, archive)}`);
