#!/bin/sh
# Makes the test PKI in DIR with openssl, at test time (nothing is committed):
#   ca.pem                 the test root that tests trust (--cacert)
#   server.{pem,key}       leaf for localhost, 127.0.0.1 and ::1, chain = leaf + nothing
#   chain.pem              leaf + intermediate, signed through inter (valid chain)
#   leaf-only-inter.pem    leaf signed by the intermediate, without it (incomplete chain)
#   expired / future / wronghost / selfsigned / untrusted / ipmismatch / sha1 / rsa1024
#                          (.pem with the key inside) the negative cases
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -f done ] && exit 0

cat >ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${ENV::SAN}
CNF
: >index.txt
echo 1000 >serial
export SAN="DNS:localhost,IP:127.0.0.1,IP:::1"

q() { "$@" >/dev/null 2>&1 || { echo "certs.sh: failed: $*" >&2; "$@"; exit 1; }; }

# roots
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
	-subj "/CN=dbxai test root" -addext "basicConstraints=critical,CA:true" \
	-addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 3650 \
	-subj "/CN=dbxai untrusted root" -addext "basicConstraints=critical,CA:true" \
	-addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # name key-spec ca-cert ca-key [extra openssl ca args]
	name=$1 spec=$2 cacert=$3 cakey=$4
	shift 4
	q openssl req -new -newkey "$spec" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name"
	q openssl ca -batch -config ca.cnf -extensions leaf -cert "$cacert" -keyfile "$cakey" \
		-in "$name.csr" -out "$name.crt" -notext "$@"
	cat "$name.crt" "$name.key" >"$name.pem"
}

leaf server rsa:2048 ca.pem ca.key -days 825
cp server.crt server-cert.pem
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ecdsa.key \
	-out ecdsa.csr -subj "/CN=ecdsa"
q openssl ca -batch -config ca.cnf -extensions leaf -cert ca.pem -keyfile ca.key -in ecdsa.csr \
	-out ecdsa.crt -notext -days 825
cat ecdsa.crt ecdsa.key >ecdsa.pem

# intermediate
q openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=dbxai test intermediate"
q openssl ca -batch -config ca.cnf -extensions v3_ca -cert ca.pem -keyfile ca.key -in inter.csr \
	-out inter.crt -notext -days 3650
leaf viainter rsa:2048 inter.crt inter.key -days 825
cat viainter.crt inter.crt viainter.key >chain.pem
cp viainter.pem leaf-only-inter.pem

leaf expired rsa:2048 ca.pem ca.key -startdate 20200101000000Z -enddate 20210101000000Z
leaf future rsa:2048 ca.pem ca.key -startdate 20400101000000Z -enddate 20410101000000Z
SAN="DNS:other.example" leaf wronghost rsa:2048 ca.pem ca.key -days 825
SAN="IP:127.0.0.2" leaf ipmismatch rsa:2048 ca.pem ca.key -days 825
leaf untrusted rsa:2048 other-ca.pem other-ca.key -days 825
leaf sha1 rsa:2048 ca.pem ca.key -days 825 -md sha1
leaf rsa1024 rsa:1024 ca.pem ca.key -days 825
q openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.crt -days 825 \
	-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
cat selfsigned.crt selfsigned.key >selfsigned.pem
touch done
