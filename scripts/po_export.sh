#!/usr/bin/env bash
# Export a module's strings to addons/<module>/locale/zh_CN.po, keeping the
# translations already there (new strings come with an empty msgstr).
# Usage: scripts/po_export.sh MODULE
set -euo pipefail
module=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/po.conf" <<CONF
[database]
uri = sqlite://
path = $tmp
language = en
CONF
touch "$tmp/po.sqlite"
admin="$root/.venv/bin/trytond-admin"
"$admin" -c "$tmp/po.conf" -d po --all -l zh_CN >/dev/null 2>&1 || "$admin" -c "$tmp/po.conf" -d po --all -l zh_CN
# the optional modules of tryton.cfg's extras_depend too: the strings of
# their [register X] classes and <data depends="X"> records are exported
extras=$(awk '/^extras_depend:/{f=1;next} /^[^ \t]/{f=0} f&&NF{printf "%s ", $1}' "$root/addons/$module/tryton.cfg")
# activation errors (a broken override .po, a bad view) must show
"$admin" -c "$tmp/po.conf" -d po -u "$module" $extras --activate-dependencies -l zh_CN 2>&1 | { grep -v ' INFO ' || true; }
"$admin" -c "$tmp/po.conf" -d po -u "$module" -l zh_CN --export-translations 2>&1 | { grep -v ' INFO ' || true; }
# trytond-admin writes next to the installed module: the editable source
echo "wrote $root/addons/$module/locale/zh_CN.po"
