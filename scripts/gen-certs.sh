#!/usr/bin/env bash
# Make the PKI for the agent's mutual-TLS listener with openssl, into OUTDIR:
#   ca.crt/ca.key          a fresh CA (each run makes a new one: run twice for a "foreign" CA)
#   server.crt/server.key  the agent's serving cert, with the given SANs
#   admin.crt/admin.key    client cert CN=kubesweep-admin   (role admin in the default mapping)
#   reader.crt/reader.key  client cert CN=kubesweep-reader  (role reader in the default mapping)
#   nobody.crt/nobody.key  client cert CN=kubesweep-nobody  (valid, but mapped to no role)
# Usage: gen-certs.sh [--ca-cn NAME] [--days N] [--client NAME:CN[:O]]... OUTDIR [SAN...]
#   SAN: DNS:name or IP:addr (default DNS:localhost IP:127.0.0.1 IP:::1)
#        gen-certs.sh --revoke NAME [--revoke NAME]... OUTDIR
#   revokes OUTDIR/NAME.crt (earlier revocations are kept in OUTDIR/ca-db) and writes the CA's
#   CRL to OUTDIR/crl.pem, for the agent's --tls-crl (which re-reads it when it changes).
#   `--revoke ''` revokes nothing and writes the (possibly empty) CRL.
# Keys are EC P-256, files 0600 (certs 0644). Nothing outside OUTDIR is written.
set -euo pipefail

ca_cn="kubesweep-ca"
days=825
extra_clients=()
revoke=()
revoke_mode=0
while [ $# -gt 0 ]; do
  case "$1" in
    --revoke) revoke_mode=1; [ -n "$2" ] && revoke+=("$2"); shift 2 ;;
    --ca-cn) ca_cn="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --client) extra_clients+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "gen-certs.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: gen-certs.sh [--ca-cn NAME] [--days N] [--client NAME:CN[:O]] OUTDIR [SAN...]" >&2; exit 2; }
out="$1"; shift

if [ "$revoke_mode" = 1 ]; then
  [ -f "$out/ca.crt" ] && [ -f "$out/ca.key" ] || { echo "gen-certs.sh: no CA in $out (ca.crt, ca.key)" >&2; exit 2; }
  db="$out/ca-db"
  mkdir -p "$db"; chmod 700 "$db"
  [ -f "$db/index.txt" ] || : > "$db/index.txt"
  [ -f "$db/crlnumber" ] || echo 1000 > "$db/crlnumber"
  printf '%s\n' "[ ca ]" "default_ca = kubesweep" "[ kubesweep ]" "database = $db/index.txt" "crlnumber = $db/crlnumber" \
    "certificate = $out/ca.crt" "private_key = $out/ca.key" "default_md = sha256" "default_crl_days = 3650" > "$db/openssl.cnf"
  for name in "${revoke[@]+"${revoke[@]}"}"; do
    [[ "$name" =~ ^[a-z0-9-]+$ ]] && [ -f "$out/$name.crt" ] || { echo "gen-certs.sh: no certificate $out/$name.crt to revoke" >&2; exit 2; }
    serial=$(openssl x509 -in "$out/$name.crt" -noout -serial | cut -d= -f2)
    if cut -f4 "$db/index.txt" | grep -qx "$serial"; then continue; fi
    openssl ca -config "$db/openssl.cnf" -revoke "$out/$name.crt" -batch 2>/dev/null
  done
  openssl ca -config "$db/openssl.cnf" -gencrl -out "$out/crl.pem.tmp" -batch 2>/dev/null
  chmod 644 "$out/crl.pem.tmp"
  # Renamed into place: an agent watching crl.pem never reads a half-written file.
  mv -f "$out/crl.pem.tmp" "$out/crl.pem"
  echo "gen-certs.sh: revoked ${revoke[*]:-nothing}; CRL of $(wc -l < "$db/index.txt") revocation(s) in $out/crl.pem"
  exit 0
fi

sans=("$@")
[ ${#sans[@]} -gt 0 ] || sans=(DNS:localhost IP:127.0.0.1 IP:::1)
for s in "${sans[@]}"; do
  [[ "$s" =~ ^(DNS|IP):[A-Za-z0-9.:*-]+$ ]] || { echo "gen-certs.sh: bad SAN '$s' (DNS:name or IP:addr)" >&2; exit 2; }
done
[[ "$days" =~ ^[0-9]+$ ]] || { echo "gen-certs.sh: --days must be a number" >&2; exit 2; }

mkdir -p "$out"
chmod 700 "$out"
umask 077
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key "$out/ca.key"
openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days" -subj "/CN=${ca_cn}" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$out/ca.crt"

# sign NAME SUBJECT EXTFILE-CONTENT
sign() {
  local name="$1" subj="$2" ext="$3"
  key "$out/$name.key"
  openssl req -new -key "$out/$name.key" -subj "$subj" -out "$tmp/$name.csr"
  printf '%s\n' "$ext" > "$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days "$days" -sha256 -extfile "$tmp/$name.ext" -out "$out/$name.crt" 2>/dev/null
  chmod 644 "$out/$name.crt"
}

san_list=$(IFS=,; echo "${sans[*]}")
sign server "/CN=kubesweep-agent" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${san_list}"

client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign admin "/CN=kubesweep-admin" "$client_ext"
sign reader "/CN=kubesweep-reader" "$client_ext"
sign nobody "/CN=kubesweep-nobody" "$client_ext"
for c in "${extra_clients[@]+"${extra_clients[@]}"}"; do
  IFS=: read -r cname ccn co <<<"$c"
  [[ "$cname" =~ ^[a-z0-9-]+$ && "$ccn" =~ ^[A-Za-z0-9._\ -]+$ ]] || { echo "gen-certs.sh: bad --client '$c'" >&2; exit 2; }
  subj="/CN=${ccn}"
  [ -n "${co:-}" ] && subj="/O=${co}${subj}"
  sign "$cname" "$subj" "$client_ext"
done
chmod 644 "$out/ca.crt"
echo "gen-certs.sh: wrote CA '${ca_cn}', server (${san_list}) and client certs to ${out}"
