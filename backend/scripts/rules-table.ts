// Prints the Dockerfile doctor's rule table (markdown), generated from the rule registry, for the README:
//   node --import tsx scripts/rules-table.ts
import { renderRulesTable } from '../src/core/doctor/index.js';

process.stdout.write(renderRulesTable());
