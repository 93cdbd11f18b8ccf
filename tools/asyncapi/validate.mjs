// Validates an AsyncAPI document with the official parser; exits 1 on any error-level finding.
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const path = process.argv[2] ?? "../../docs/asyncapi.json";
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"));
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
for (const d of diagnostics) {
  const level = ["error", "warning", "info", "hint"][d.severity] ?? d.severity;
  console.log(`${level}: ${d.code}: ${d.message} at ${d.path.join(".")}`);
}
if (!document || errors.length > 0) {
  console.error(`asyncapi: ${path} is not valid (${errors.length} errors)`);
  process.exit(1);
}
console.log(`asyncapi: ${path} valid: ${document.messages().length} messages, ` +
  `${document.channels().length} channels, ${diagnostics.length} remarks`);
