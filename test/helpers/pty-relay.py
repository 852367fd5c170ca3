"""Runs a command on a pseudo-terminal of 100x30 and relays bytes both ways: this process's stdin goes to the
terminal as typed keys, everything the command prints comes out on stdout. Exits with the command's code.

    python3 test/helpers/pty-relay.py <command> [args...]
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
stdin = sys.stdin.fileno()
stdout = sys.stdout.fileno()
reading_stdin = True
while True:
    sources = [master] + ([stdin] if reading_stdin else [])
    ready, _, _ = select.select(sources, [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(stdout, data)
    if stdin in ready:
        data = os.read(stdin, 65536)
        if data:
            os.write(master, data)
        else:
            reading_stdin = False

_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8)
