/**
 * Certificates made at test time with the machine's `openssl`: a CA and member certificates for
 * 127.0.0.1 (subject alternative names IP:127.0.0.1 and DNS:localhost, usable as server and client).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerTlsFiles, PeerTlsMaterial } from '../../../coord/server/peer-tls.js';

export interface TestCa {
  dir: string;
  caFile: string;
  /** Issues a member certificate; returns its files (the CA file included). */
  issue(name: string): PeerTlsFiles;
  material(files: PeerTlsFiles): PeerTlsMaterial;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeCa(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), `basalt-${name}-`));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  writeFileSync(join(dir, 'member.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    issue(member: string): PeerTlsFiles {
      openssl(['req', ...EC, '-keyout', `${member}.key`, '-out', `${member}.csr`, '-subj', `/CN=${member}`], dir);
      openssl(['x509', '-req', '-in', `${member}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${member}.crt`, '-days', '2', '-extfile', 'member.ext'], dir);
      return { certFile: join(dir, `${member}.crt`), keyFile: join(dir, `${member}.key`), caFile };
    },
    material(files: PeerTlsFiles): PeerTlsMaterial {
      return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), ca: readFileSync(files.caFile) };
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
