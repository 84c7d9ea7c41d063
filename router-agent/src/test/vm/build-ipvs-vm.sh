#!/usr/bin/env bash
# Builds the small VM in which the ipvs driver's contract test meets a real IPVS kernel (design.md, "How it is
# tested", item 4): Debian's cloud kernel, and an initramfs with busybox, ipvsadm, iproute2, nft and arping (the
# commands the agent runs on a router), the IPVS, nftables and virtio-net modules, whose /init runs shell lines read
# from the serial console (see QemuVm.java). The virtio-net NICs are optional: QemuVm adds them as tap devices when
# a lab wants the VM to carry traffic between network namespaces of the host.
#
# Everything comes from Debian's packages through `apt-get download`; nothing else is fetched. Needs on the host:
# apt (with `apt-get update` done once), dpkg-deb, cpio, gzip, xz-utils (only if the kernel's modules are
# compressed); booting it needs qemu-system-x86.
#
# Usage: build-ipvs-vm.sh [OUT_DIR]   (default: router-agent/target/ipvs-vm)
# Idempotent: when OUT_DIR already holds an image built by this same script, it only prints where it is.
# Prints "kernel=PATH" and "initrd=PATH" as its last two lines.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../../target/ipvs-vm}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# Every module IPVS needs to program every scheduler lvscp offers, plus dummy for the real servers' route.
# The kernel would autoload a scheduler's module through modprobe on first use; the VM has no modprobe setup,
# so all of them are loaded at boot.
schedulers=(rr wrr lc wlc lblc lblcr dh sh sed nq mh fo ovf)
# nf_tables for the firewall-mark rules (nft), virtio_pci + virtio_net for the NICs a traffic lab plugs in, ipip for
# a real server behind an IPVS tunnel (this host's kernel has no ipip either).
wanted=(ip_vs "${schedulers[@]/#/ip_vs_}" dummy nf_tables virtio_pci virtio_net ipip)

# Rebuild whenever this script changes; otherwise the image in OUT_DIR is current.
stamp="$(sha256sum "$0" | cut -d' ' -f1)"
if [[ -f "$out/vmlinuz" && -f "$out/initrd.gz" && -f "$out/initrd-keepalived.gz" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "kernel=$out/vmlinuz"
  echo "initrd=$out/initrd.gz"
  exit 0
fi

for tool in apt-get apt-cache dpkg-deb cpio gzip; do
  command -v "$tool" >/dev/null || { echo "build-ipvs-vm.sh: '$tool' is missing on this host" >&2; exit 1; }
done

# The metapackage names the current kernel, e.g. linux-image-6.1.0-56-cloud-amd64.
kernel_pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)"
if [[ -z "$kernel_pkg" ]]; then
  echo "build-ipvs-vm.sh: apt knows no linux-image-cloud-amd64; run 'apt-get update' first" >&2
  exit 1
fi
# The programs, then exactly the library packages they link (Debian 12); a library missing here fails the build
# below by name.
# keepalived is there for one test only (KeepalivedParityVmTest: what keepalived itself programs from a
# keepalived.conf, against what lvscp programs from its import); its libraries are the second and third lines.
packages=("$kernel_pkg" busybox-static ipvsadm iproute2 nftables iputils-arping keepalived
  libnl-3-200 libnl-genl-3-200 libpopt0 libc6 libbpf1 libbsd0 libcap2 libedit2 libelf1 libgmp10 libjansson4 libmd0
  libmnl0 libnftables1 libnftnl11 libtinfo6 libxtables12 zlib1g
  libblkid1 libcom-err2 libcrypt1 libffi8 libgcrypt20 libglib2.0-0 libgpg-error0 libgssapi-krb5-2 libk5crypto3
  libkeyutils1 libkrb5-3 libkrb5support0 liblz4-1 liblzma5 libmount1 libnsl2 libpci3 libpcre2-8-0 libperl5.36
  libselinux1 libsensors5 libsnmp40 libssl3 libsystemd0 libtirpc3 libudev1 libwrap0 libzstd1)

rm -rf "$out/debs" "$out/pkgroot" "$out/initramfs"
mkdir -p "$out/debs" "$out/pkgroot" "$out/initramfs"
(cd "$out/debs" && apt-get download "${packages[@]}")
for deb in "$out"/debs/*.deb; do
  dpkg-deb -x "$deb" "$out/pkgroot"
  dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >>"$out/debs/versions.txt"
done
pkgroot="$out/pkgroot"
rootfs="$out/initramfs"
# Debian 12's packages install under /lib, /bin and /sbin; later releases move these under /usr.
find_one() {
  local p
  for p in "$@"; do [[ -e "$pkgroot/$p" ]] && { echo "$pkgroot/$p"; return; }; done
  echo "build-ipvs-vm.sh: none of $* is in the packages" >&2
  exit 1
}
moddir="$(find_one lib/modules usr/lib/modules)"
kver="$(ls "$moddir")"
busybox="$(find_one bin/busybox usr/bin/busybox)"
ipvsadm="$(find_one sbin/ipvsadm usr/sbin/ipvsadm)"
loader="$(find_one lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)"

# busybox and a symlink per applet, at the paths busybox itself names.
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,lib/modules,lib/x86_64-linux-gnu,lib64}
cp "$busybox" "$rootfs/bin/busybox"
"$busybox" --list-full | while read -r applet; do
  [[ -e "$rootfs/$applet" ]] || ln -s /bin/busybox "$rootfs/$applet"
done

# Each program and exactly the libraries (loader included) that the packages' own loader resolves for it: the
# host's ldd would answer with the host's libraries. The loader runs by its real path, since /lib64's entry in the
# package is an absolute symlink that would lead to the host's. Programs go where busybox would put its applet of
# the same name, so they shadow it (busybox's ip has no -j, its arping no -U semantics of iputils).
install_program() {
  local src="$1" dest="$2" root="${3:-$rootfs}"
  mkdir -p "$root/$(dirname "$dest")" "$root/lib/x86_64-linux-gnu"
  rm -f "$root/$dest"
  cp "$src" "$root/$dest"
  "$loader" --library-path "$pkgroot/lib/x86_64-linux-gnu:$pkgroot/usr/lib/x86_64-linux-gnu" --list "$src" \
    | sed -n 's/.* => \([^ ]*\) (.*/\1/p' | while read -r lib; do
      [[ "$lib" == "$pkgroot"/* ]] || { echo "build-ipvs-vm.sh: $dest needs $lib from outside the packages" >&2; exit 1; }
      cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
    done
}
install_program "$ipvsadm" sbin/ipvsadm
install_program "$(find_one bin/ip sbin/ip usr/bin/ip usr/sbin/ip)" sbin/ip
install_program "$(find_one usr/sbin/nft sbin/nft)" usr/sbin/nft
install_program "$(find_one usr/bin/arping bin/arping usr/sbin/arping)" usr/bin/arping
# keepalived and its libraries (ten megabytes, compressed) go into an archive of their own, initrd-keepalived.gz,
# so that only the VM that runs it pays for unpacking them: the kernel unpacks concatenated initramfs archives in
# turn into one root, so QemuVm.Image#with boots the two as one. keepalived looks its script user up (and warns
# without it) and writes its pid files under /run.
keepalived_root="$out/keepalived-root"
rm -rf "$keepalived_root"
install_program "$(find_one usr/sbin/keepalived sbin/keepalived)" usr/sbin/keepalived "$keepalived_root"
mkdir -p "$keepalived_root/run" "$keepalived_root/etc/keepalived"
echo "root:x:0:0:root:/root:/bin/sh" >"$keepalived_root/etc/passwd"
echo "root:x:0:" >"$keepalived_root/etc/group"
# The ip and arping applets of busybox live in /bin and /usr/sbin: the real ones must win on PATH and by name.
for applet in bin/ip usr/sbin/arping bin/arping sbin/arping usr/bin/ip; do
  [[ -L "$rootfs/$applet" ]] && rm -f "$rootfs/$applet"
done
ln -sf /sbin/ip "$rootfs/bin/ip"
ln -sf /usr/bin/arping "$rootfs/usr/sbin/arping"
ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$rootfs/lib64/ld-linux-x86-64.so.2"

# modules.dep is made by depmod in the kernel package's postinst, so it is not in the .deb: busybox's depmod
# makes it here. Each line lists a module's dependencies; loading them depth first gives a working insmod order.
"$busybox" depmod -b "${moddir%/lib/modules}" "$kver"
declare -A deps=() loaded=()
while IFS=: read -r module rest; do deps["$module"]="$rest"; done <"$moddir/$kver/modules.dep"
path_of() {
  local p
  for p in "${!deps[@]}"; do
    [[ "${p##*/}" =~ ^$1\.ko(\.xz)?$ ]] && { echo "$p"; return; }
  done
  echo "build-ipvs-vm.sh: kernel $kver has no module $1" >&2
  exit 1
}
order=()
visit() {
  local m="$1" d
  [[ -n "${loaded[$m]:-}" ]] && return
  for d in ${deps[$m]}; do visit "$d"; done
  loaded["$m"]=1
  order+=("$m")
}
for name in "${wanted[@]}"; do visit "$(path_of "$name")"; done

# busybox insmod may not read compressed modules, so they travel decompressed.
: >"$rootfs/etc/modules"
for m in "${order[@]}"; do
  plain="${m%.xz}"
  case "$m" in
    *.ko.xz) command -v xz >/dev/null || { echo "build-ipvs-vm.sh: modules are xz-compressed; install xz-utils" >&2; exit 1; }
             xz -dc "$moddir/$kver/$m" >"$rootfs/lib/modules/$(basename "$plain")" ;;
    *.ko) cp "$moddir/$kver/$m" "$rootfs/lib/modules/" ;;
    *) echo "build-ipvs-vm.sh: cannot load $m (unknown compression)" >&2; exit 1 ;;
  esac
  basename "$plain" >>"$rootfs/etc/modules"
done

# One command of QemuVm's in one console line: "lvscp-run N MODE SCRIPT INPUT" runs the base64-encoded SCRIPT in
# /tmp/qN with INPUT (encoded the same) on stdin, prints its stdout and stderr encoded the same, each followed by a
# "." line, and exits with the script's status. MODE z: gzipped too (for big inputs and outputs, since the console
# is slow); p: plain base64 (fewer processes, which the emulated CPU makes costly). "-" for SCRIPT and INPUT: the
# files cmd.b64 and in.b64 uploaded line by line into /tmp/qN (which "lvscp-prep N" empties).
cat >"$rootfs/bin/lvscp-prep" <<'EOF'
#!/bin/sh
rm -rf "/tmp/q$1" && mkdir "/tmp/q$1" && : >"/tmp/q$1/cmd.b64" && : >"/tmp/q$1/in.b64"
EOF
cat >"$rootfs/bin/lvscp-run" <<'EOF'
#!/bin/sh
d="/tmp/q$1"
# "_" for INPUT: none.
if [ "$3" != - ]; then
  rm -rf "$d" && mkdir "$d" && echo "$3" >"$d/cmd.b64" || exit 125
  if [ "$4" = _ ]; then : >"$d/in.b64"; else echo "$4" >"$d/in.b64"; fi || exit 125
fi
cd "$d" || exit 125
if [ "$2" = z ]; then
  base64 -d cmd.b64 | gunzip >cmd && base64 -d in.b64 | gunzip >in || exit 125
  sh ./cmd <in >out 2>err
  s=$?
  gzip -c out | base64
  echo .
  gzip -c err | base64
else
  base64 -d cmd.b64 >cmd && base64 -d in.b64 >in || exit 125
  sh ./cmd <in >out 2>err
  s=$?
  base64 out
  echo .
  base64 err
fi
echo .
exit $s
EOF
chmod 755 "$rootfs/bin/lvscp-prep" "$rootfs/bin/lvscp-run"

cat >"$rootfs/init" <<'EOF'
#!/bin/sh
# PID 1 of the lvscp IPVS test VM. Loads IPVS, gives real servers a route, then runs each line read from the
# serial console as a shell command (QemuVm.java speaks this protocol).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/ttyS0 >/dev/ttyS0 2>&1
# QemuVm fails the boot, with this console's text, when a step printed this word.
must() { "$@" || echo "LVSCP-VM-FAILED: $*"; }
while read -r module; do must insmod "/lib/modules/$module"; done </etc/modules
# ipvsadm refuses a real server the kernel has no route to ("address not unicast"); a default route through a
# dummy device (the dummy module makes dummy0) makes every address routable, and no packet leaves: the VM has
# no network card.
must ip link set lo up
must ip link set dummy0 up
must ip route add default dev dummy0
must ip -6 route add default dev dummy0
# Kernel messages would interleave with command output on the console.
must dmesg -n 1
# Raw: no echo of what the host sends, no line editing or signal keys, no CR added to output.
must stty raw -echo
# More consoles, when qemu gives the VM more serial ports: each its own command loop, so that a long command
# (arping -c 3 takes 2 s) does not hold the others up. A router runs its commands concurrently.
for n in 1 2 3; do
  [ "$(cat "/sys/class/tty/ttyS$n/type" 2>/dev/null)" -gt 0 ] 2>/dev/null || continue
  ( exec </dev/ttyS$n >/dev/ttyS$n 2>&1
    stty raw -echo
    echo LVSCP-CONSOLE-READY
    while IFS= read -r line; do sh -c "$line"; done ) &
done
echo LVSCP-VM-READY
# Each line runs in its own shell, so a bad line fails alone instead of ending PID 1 (and the VM).
while IFS= read -r line; do
  sh -c "$line"
done
EOF
chmod 755 "$rootfs/init"

(cd "$rootfs" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -9) >"$out/initrd.gz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
(cd "$keepalived_root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -9) >"$out/initrd-keepalived.gz"
cp "$pkgroot/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$out/debs/versions.txt" "$out/versions.txt"
rm -rf "$out/debs" "$out/pkgroot" "$out/initramfs" "$keepalived_root"
echo "$stamp" >"$out/stamp"
echo "built from: $(paste -sd, "$out/versions.txt")"
echo "kernel=$out/vmlinuz"
echo "initrd=$out/initrd.gz"
