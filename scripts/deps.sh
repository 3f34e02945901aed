#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--print]: install every build and test dependency of LIS.
# Debian 12 (apt-get) and RHEL-family build hosts (dnf/yum).  Installs only
# what is missing and says what it installs; --print lists the packages only.
# Exit codes: 0 ok, 1 cannot install (not root, no package manager, apt/dnf failed).
set -euo pipefail

# Debian: compilers and kernel build tools, static checks, packaging (rpm
# works on Debian), ISO, the VM rung (QEMU, busybox initramfs), fuzzing
# (clang's libFuzzer), kABI tooling (libelf, zlib, liblzma; groff checks its
# man page), and one kernel tree to build against (the newest Debian 6.1 ABI).
DEBIAN_PKGS="build-essential bc bison flex kmod cpio xz-utils zstd gawk
 libelf-dev zlib1g-dev liblzma-dev libssl-dev pkg-config groff-base
 sparse shellcheck cppcheck valgrind clang libclang-rt-14-dev
 rpm dkms dnf xorriso createrepo-c gnupg openssl
 qemu-system-x86 qemu-system-data qemu-utils busybox-static debootstrap
 iproute2 e2fsprogs python3
 linux-headers-amd64"
RHEL_PKGS="gcc make bc bison flex kmod cpio xz zstd gawk elfutils-libelf-devel
 zlib-devel xz-devel openssl-devel openssl rpm-build rpm-sign createrepo_c xorriso gnupg2
 kernel-devel"

PRINT=0
[ "${1-}" = --print ] && PRINT=1

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
	missing=()
	for p in $DEBIAN_PKGS; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || missing+=("$p")
	done
	if [ "$PRINT" = 1 ]; then echo "$DEBIAN_PKGS" | tr -s ' \n' ' '; echo; exit 0; fi
	if [ ${#missing[@]} -eq 0 ]; then
		echo "deps: all build and test dependencies are installed"
		exit 0
	fi
	echo "deps: installing with apt-get: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || { echo "deps: run as root to install them" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
		{ echo "deps: apt-get install failed" >&2; exit 1; }
	echo "deps: installed ${#missing[@]} packages"
elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
	pm=$(command -v dnf || command -v yum)
	missing=()
	for p in $RHEL_PKGS; do
		rpm -q --whatprovides "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	if [ "$PRINT" = 1 ]; then echo "$RHEL_PKGS" | tr -s ' \n' ' '; echo; exit 0; fi
	if [ ${#missing[@]} -eq 0 ]; then
		echo "deps: all build dependencies are installed"
		exit 0
	fi
	echo "deps: installing with ${pm##*/}: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || { echo "deps: run as root to install them" >&2; exit 1; }
	"$pm" install -y "${missing[@]}" || { echo "deps: ${pm##*/} install failed" >&2; exit 1; }
else
	echo "deps: no apt-get, dnf or yum here; install by hand: $DEBIAN_PKGS" >&2
	exit 1
fi
