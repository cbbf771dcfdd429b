#!/usr/bin/env python3
"""Checks that the Dockerfile's runtime stage installs every shared library a binary loads.

    scripts/check-image-libraries.py BINARY DOCKERFILE

No Docker engine is needed: the libraries come from `ldd BINARY`, their Debian packages from
`dpkg -S`, and the packages the image gets from the runtime stage's `apt-get install` line plus
everything those depend on (installed packages' Depends and Pre-Depends, recursively) plus
what a debian:12 image starts with (Priority: required, and apt). Run on the Debian machine
that built BINARY. Exits 1 naming the packages the image lacks.
"""
import os
import re
import subprocess
import sys


def runtime_packages(dockerfile):
    """The packages of the last stage's `apt-get install`, continuation lines joined."""
    text = open(dockerfile, encoding="utf-8").read().replace("\\\n", " ")
    stages = re.split(r"(?m)^FROM\s", text)
    packages = set()
    for line in stages[-1].splitlines():
        if "apt-get install" not in line:
            continue
        command = line.split("apt-get install", 1)[1].split("&&", 1)[0]
        packages.update(word for word in command.split() if not word.startswith("-"))
    return packages


def libraries(binary):
    """The paths of the shared libraries the binary loads, the loader and vDSO left out."""
    out = subprocess.run(["ldd", binary], check=True, capture_output=True, text=True).stdout
    paths = []
    for line in out.splitlines():
        if "=>" not in line:
            continue  # the vDSO and the dynamic loader (part of libc6)
        target = line.split("=>", 1)[1].split("(", 1)[0].strip()
        if target == "not found" or not target:
            sys.exit(f"{binary}: {line.strip()}")
        paths.append(target)
    return paths


def packages_of(paths):
    """The Debian package that ships each library (its name without the architecture)."""
    names = {os.path.basename(path) for path in paths}
    out = subprocess.run(["dpkg", "-S"] + ["*/" + name for name in sorted(names)],
                         capture_output=True, text=True).stdout
    shipped_by = {}
    for line in out.splitlines():
        package, _, shipped = line.partition(": ")
        name = os.path.basename(shipped.strip())
        if name in names:
            shipped_by.setdefault(name, package.split(":", 1)[0].split(",", 1)[0].strip())
    for name in sorted(names - shipped_by.keys()):
        sys.exit(f"no installed Debian package ships {name}")
    return shipped_by


def installed_packages():
    """Every installed package: its dependencies (all alternatives) and whether a debian:12
    image has it from the start (Priority: required)."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Priority}\t${Depends}, ${Pre-Depends}\n"],
        check=True, capture_output=True, text=True).stdout
    packages = {}
    for line in out.splitlines():
        name, priority, fields = line.split("\t", 2)
        names = []
        for group in fields.split(","):
            for alternative in group.split("|"):
                dependency = alternative.strip().split(" ", 1)[0].split(":", 1)[0]
                if dependency:
                    names.append(dependency)
        packages[name] = (priority == "required", names)
    return packages


def closure(roots, packages):
    seen = set()
    todo = list(roots)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        todo.extend(packages.get(package, (False, []))[1])
    return seen


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, dockerfile = sys.argv[1], sys.argv[2]
    listed = runtime_packages(dockerfile)
    if not listed:
        sys.exit(f"{dockerfile}: no apt-get install in the last stage")
    packages = installed_packages()
    base_image = {name for name, (required, _) in packages.items() if required} | {"apt"}
    available = closure(listed | base_image, packages)
    needed = {}
    for name, package in sorted(packages_of(libraries(binary)).items()):
        needed.setdefault(package, []).append(name)
    missing = {package: libs for package, libs in needed.items() if package not in available}
    for package, libs in sorted(missing.items()):
        print(f"{dockerfile}: the runtime stage lacks {package} ({', '.join(libs)})")
    if missing:
        sys.exit(1)
    print(f"{dockerfile}: the runtime stage provides all {len(needed)} packages of "
          f"{os.path.basename(binary)}'s libraries")


if __name__ == "__main__":
    main()
