#!/usr/bin/env bash
# Installs what TestFarm's main job and tests need on Debian 12, idempotently. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  qemu-system-x86 qemu-system-arm ipxe-qemu qemu-efi-aarch64   # lab machines that really boot
  busybox-static cpio                                           # the lab image's initramfs
  kexec-tools                                                   # the lab agent's kexec (fast track), copied into the image
  postgresql                                                    # scale-out store, tested for real
  python3 python3-sushy                                         # OpenStack's Redfish client, judge of the lab BMCs
  ansible                                                       # kubespray inventory checks
  chromium                                                      # report screenshots through Playwright
  openssh-server                                                # a real sshd the SSH node agent's tests log in to
  iproute2 curl ca-certificates
)
# Node.js and npm for the Allure CLI, unless a Node.js (which ships its own npm) is already there.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "==> apt: all ${#APT_PACKAGES[@]} packages present"
fi

# Allure 3 report generator, local to the checkout (never a global install).
if [ ! -x .tools/node_modules/.bin/allure ]; then
  echo "==> npm: installing allure@3 into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools allure@3.18.0 >/dev/null
else
  echo "==> npm: allure present in .tools/"
fi

# The lab's default kernel: taken from Debian's package without installing it.
if [ ! -f .tools/kernel/vmlinuz ]; then
  echo "==> lab kernel: apt-get download linux-image-cloud-amd64 + dpkg -x"
  work=$(mktemp -d); chown _apt "$work" 2>/dev/null || true   # apt downloads as _apt
  dep=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  (cd "$work" && apt-get download -q "$dep" >/dev/null && dpkg -x ./*.deb root)
  mkdir -p .tools/kernel
  cp "$work"/root/boot/vmlinuz-* .tools/kernel/vmlinuz
  cp -r "$work"/root/lib/modules .tools/kernel/
  rm -rf "$work"
else
  echo "==> lab kernel present in .tools/kernel/"
fi

# The arm64 lab: Debian's arm64 cloud kernel, busybox-static, GRUB's network EFI loader and kexec-tools with the
# libraries its kexec loads (unpacked into .tools/arm64/kexec/), taken from the arm64 package index with a private
# apt state (nothing added to this machine's dpkg architectures).
ARM64_KEXEC=(kexec-tools libc6 zlib1g libxenmisc4.17 libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1
             libxengnttab1 libxentoolcore1 libxentoollog1 libxenhypfs1 libxenstore4 libyajl2 libfdt1 liblzma5 libzstd1)
if [ ! -f .tools/kernel-arm64/vmlinuz ] || [ ! -f .tools/arm64/busybox ] || [ ! -f .tools/arm64/grub/grubnetaa64.efi ] \
   || [ ! -f .tools/arm64/kexec/sbin/kexec ]; then
  echo "==> arm64 lab: apt-get download linux-image-cloud-arm64, busybox-static, grub-efi-arm64-bin, kexec-tools (arm64) + dpkg -x"
  work=$(mktemp -d); mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl/kexec"
  chown -R _apt "$work" 2>/dev/null || true
  ARM=(-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::State::Lists="$work/lists"
       -o Dir::Cache="$work/cache" -o Dir::State::status=/dev/null)
  apt-get -qq "${ARM[@]}" update
  dep=$(apt-cache "${ARM[@]}" depends linux-image-cloud-arm64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  (cd "$work/dl" && apt-get -q "${ARM[@]}" download "$dep" busybox-static grub-efi-arm64-bin >/dev/null)
  (cd "$work/dl/kexec" && apt-get -q "${ARM[@]}" download "${ARM64_KEXEC[@]}" >/dev/null)
  for deb in "$work"/dl/*.deb; do dpkg -x "$deb" "$work/root"; done
  rm -rf .tools/arm64/kexec && mkdir -p .tools/arm64/kexec
  for deb in "$work"/dl/kexec/*.deb; do dpkg -x "$deb" .tools/arm64/kexec; done
  mkdir -p .tools/kernel-arm64 .tools/arm64/grub
  cp "$work"/root/boot/vmlinuz-* .tools/kernel-arm64/vmlinuz
  rm -rf .tools/kernel-arm64/modules && cp -r "$work"/root/lib/modules .tools/kernel-arm64/
  cp "$work"/root/bin/busybox .tools/arm64/busybox
  cp "$work"/root/usr/lib/grub/arm64-efi/monolithic/grubnetaa64.efi "$work"/root/usr/lib/grub/arm64-efi/http.mod .tools/arm64/grub/
  rm -rf "$work"
else
  echo "==> arm64 lab kernel, busybox, GRUB and kexec present in .tools/"
fi

# The add-ons' upstream release manifests (MetalLB, Rook), named by version and sha256 in the product's catalogue, into
# the local cache (.cache/addons/, or TESTFARM_ADDON_CACHE): from the mirror folder TESTFARM_ADDON_MIRROR names, else
# from this repository's CI mirror beside the checkout when there is one, else from the upstream URLs. Verified, idempotent.
if [ -z "${TESTFARM_ADDON_MIRROR:-}" ] && [ -d ../shared/fixtures/manifests ]; then
  TESTFARM_ADDON_MIRROR=$(cd ../shared/fixtures/manifests && pwd)
  export TESTFARM_ADDON_MIRROR
fi
echo "==> add-ons: testfarm addons fetch${TESTFARM_ADDON_MIRROR:+ (mirror $TESTFARM_ADDON_MIRROR)}"
dotnet run --project src/TestFarm.Cli -c Release -- addons fetch
