'use strict';
// Prints one `make mutants` part's score and its surviving mutants, and appends the
// score to target/mutants/scores.tsv (date, part, killed, viable, score, run time) for
// README's "Proof".
//   node scripts/mutants-report.js rust|js <part> <results file> <seconds>
// rust: cargo-mutants' mutants.out/outcomes.json (+ missed.txt beside it);
// js: Stryker's JSON report (mutation-testing-report-schema).
// Score = killed / viable: killed counts a mutant a test failed on or that ran past the
// timeout (a hang); viable leaves out the mutants that do not build (unviable, Stryker's
// CompileError/RuntimeError) and, reported apart, those marked equivalent (Stryker's
// Ignored: a `// Stryker disable` comment that says why; cargo-mutants leaves the ones
// .cargo/mutants.toml excludes out of its list).
const fs = require('fs');
const path = require('path');

const [kind, part, file, seconds] = process.argv.slice(2);
if (!fs.existsSync(file)) {
  console.error(`mutants: ${part}: no results at ${file} (the run failed before testing mutants)`);
  process.exit(1);
}
const results = JSON.parse(fs.readFileSync(file, 'utf8'));
let killed;
let survivors;
let unviable;
let ignored = 0;
if (kind === 'rust') {
  killed = (results.caught || 0) + (results.timeout || 0);
  const missedFile = path.join(path.dirname(file), 'missed.txt');
  survivors = fs.existsSync(missedFile) ? fs.readFileSync(missedFile, 'utf8').split('\n').filter(Boolean) : [];
  unviable = results.unviable || 0;
} else {
  killed = 0;
  unviable = 0;
  survivors = [];
  for (const [name, f] of Object.entries(results.files)) {
    const lines = f.source.split('\n');
    for (const m of f.mutants) {
      if (m.status === 'Killed' || m.status === 'Timeout') killed += 1;
      else if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const at = m.location.start;
        survivors.push(`${name}:${at.line}:${at.column}: ${m.mutatorName}: ${lines[at.line - 1].trim()}  =>  ${m.replacement}`);
      } else if (m.status === 'Ignored') ignored += 1;
      else unviable += 1;
    }
  }
}
const viable = killed + survivors.length;
const score = viable === 0 ? 100 : (100 * killed) / viable;
console.log(`\nmutants ${part}: ${killed} of ${viable} viable mutants killed (${score.toFixed(1)} %), ${unviable} not viable, `
  + `${ignored} marked equivalent, ${seconds} s`);
if (survivors.length > 0) console.log('surviving:\n  ' + survivors.join('\n  '));
const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
fs.appendFileSync(path.join('target', 'mutants', 'scores.tsv'),
  [date, part, killed, viable, score.toFixed(1) + ' %', seconds + ' s'].join('\t') + '\n');
