/**
 * Mutual TLS between members (on by option). Every member holds a certificate and key signed by a
 * CA the members share; the peer listener asks for and checks the client's certificate, and the
 * member dialling a peer checks the server's certificate (chain to the CA, and the host it dials
 * in the certificate's subject alternative names). A process without a certificate from that CA
 * cannot complete the handshake, so it never opens a Raft stream, whatever metadata it forges.
 *
 * The material is checked up front (each PEM parses, the key belongs to the certificate), so a
 * misconfigured member exits with an error naming the flag instead of failing every handshake.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { invalidArgument } from '../../common/errors.js';

/** PEM bytes of this member's certificate and key and of the members' CA. */
export interface PeerTlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/** The files as the command line names them (flag → path). */
export interface PeerTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** The field each part is reported under (the CLI passes its flag names). */
export interface PeerTlsFieldNames {
  cert: string;
  key: string;
  ca: string;
}

export const PEER_TLS_FLAGS: PeerTlsFieldNames = { cert: '--peer-tls-cert', key: '--peer-tls-key', ca: '--peer-tls-ca' };
const OPTION_FIELDS: PeerTlsFieldNames = { cert: 'peerTls.cert', key: 'peerTls.key', ca: 'peerTls.ca' };

function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalidArgument(field, `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Reads and checks the three PEM files; a missing or bad file is an INVALID_ARGUMENT naming its flag. */
export function loadPeerTls(files: PeerTlsFiles, fields: PeerTlsFieldNames = PEER_TLS_FLAGS): PeerTlsMaterial {
  const material = { cert: readPem(files.certFile, fields.cert), key: readPem(files.keyFile, fields.key), ca: readPem(files.caFile, fields.ca) };
  checkPeerTls(material, fields);
  return material;
}

/** Throws INVALID_ARGUMENT naming the part that does not parse, or the key when it does not match the certificate. */
export function checkPeerTls(material: PeerTlsMaterial, fields: PeerTlsFieldNames = OPTION_FIELDS): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(material.cert);
  } catch (err) {
    throw invalidArgument(fields.cert, `not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    new X509Certificate(material.ca);
  } catch (err) {
    throw invalidArgument(fields.ca, `not a PEM CA certificate: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(material.key);
  } catch (err) {
    throw invalidArgument(fields.key, `not a PEM private key: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) throw invalidArgument(fields.key, 'the key does not belong to the certificate');
}

/** The peer listener's credentials: TLS with the client's certificate required and checked against the CA. */
export function peerServerCredentials(material: PeerTlsMaterial): ServerCredentials {
  return ServerCredentials.createSsl(material.ca, [{ cert_chain: material.cert, private_key: material.key }], true);
}

/** The credentials a member dials its peers with: checks the peer's certificate, presents its own. */
export function peerChannelCredentials(material: PeerTlsMaterial): ChannelCredentials {
  return credentials.createSsl(material.ca, material.key, material.cert);
}
