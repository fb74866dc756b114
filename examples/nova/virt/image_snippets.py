"""Image and transfer helpers (an example for nova-lsp)."""

import ssl

import requests
from oslo_concurrency import processutils

from nova import utils

QEMU_IMG_LIMITS = processutils.ProcessLimits(cpu_time=30, address_space=1 << 30)


def resize_disk(path, size, disk_format):
    # NOVA010: qemu-img guesses the format from the file's content
    processutils.execute('qemu-img', 'resize', path, size)


def disk_info(path, disk_format):
    # NOVA011: no limits on a qemu-img info of an uploaded image
    out, err = processutils.execute('qemu-img', 'info', '-f', disk_format,
                                    '--output=json', path)
    return out


def safe_disk_info(path, disk_format):
    out, err = processutils.execute('qemu-img', 'info', '-f', disk_format,
                                    '--output=json', path,
                                    prlimit=QEMU_IMG_LIMITS)
    return out


def login_target(portal, iqn, chap_password):
    # NOVA015: the password is on a command line every local user can read
    utils.execute('iscsiadm', '-m', 'node', '-T', iqn, '-p', portal,
                  '--op', 'update', '-n', 'node.session.auth.password',
                  '-v', chap_password, run_as_root=True)


def create_target(path, name, chap_auth):
    userid, password = chap_auth
    # NOVA014: a positional password survives the masking of the logged command
    utils.execute('nova-rtstool', 'create', path, name, userid, password,
                  run_as_root=True)


def download(url, path):
    # NOVA017: the image server's certificate is not checked
    resp = requests.get(url, verify=False, timeout=60)
    with open(path, 'wb') as image:
        image.write(resp.content)


# NOVA018: turns certificate checks off for every HTTPS client of the process
ssl._create_default_https_context = ssl._create_unverified_context
