// hoist backend helper: `node node-ca.mjs EXTRA OUT`. Writes to OUT the
// certificates of the PEM file EXTRA that this node's own CA store lacks,
// and prints "<lacking> <total>". Exits 2 when EXTRA holds anything node
// would read differently from a list of certificates (another kind of PEM
// block, or a certificate that does not parse): the backend then passes
// the file as it is.
import { readFileSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";

const body = (pem) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
const text = readFileSync(process.argv[2], "latin1");
const blocks = text.match(/-----BEGIN [^-]+-----/g) || [];
const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || [];
if (blocks.length !== certs.length) process.exit(2);
for (const c of certs) {
  try {
    new X509Certificate(c);
  } catch {
    process.exit(2);
  }
}
const own = new Set(rootCertificates.map(body));
const lacking = certs.filter((c) => !own.has(body(c)));
writeFileSync(process.argv[3], lacking.map((c) => c + "\n").join(""));
process.stdout.write(`${lacking.length} ${certs.length}\n`);
