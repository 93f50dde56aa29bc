# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""A throwaway CA and a broker certificate for the integration brokers' TLS listener.

The broker reads a PEM keystore (KIP-651: the private key and the certificate chain in one
file); clients trust ca.pem. Keys live as long as the test run, so they are unencrypted.
"""

import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 2


def _certificate(subject, issuer, public_key, signing_key, is_ca, names=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def write_ca_and_broker(directory, hosts=('localhost',), addresses=('127.0.0.1',), label='edatest'):
    """ca.pem and broker.pem (key + chain) in DIRECTORY; the broker's certificate covers HOSTS
    and ADDRESSES. Returns the path of ca.pem."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = '%s test CA' % label
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, is_ca=True)
    broker_key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(host) for host in hosts] + [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
    broker = _certificate('%s broker' % label, ca_name, broker_key.public_key(), ca_key, is_ca=False, names=names)
    pem = serialization.Encoding.PEM
    key = broker_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (directory / 'broker.pem').write_bytes(key + broker.public_bytes(pem) + ca.public_bytes(pem))
    (directory / 'ca.pem').write_bytes(ca.public_bytes(pem))
    # The broker runs as the image's user (uid 1000); the files are the test run's own.
    for name in ('broker.pem', 'ca.pem'):
        (directory / name).chmod(0o644)
    directory.chmod(0o755)
    return directory / 'ca.pem'
