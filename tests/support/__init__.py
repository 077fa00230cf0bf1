"""What every test directory shares (importable as `support`: pytest's `pythonpath = ["tests"]`; the benchmarks
register it themselves, bench/_support.py).

- `wait`: `eventually` / `eventually_sync`, the one way to wait for something to happen.
- `ports`: a free port, whether a port listens, waiting until it does.
- `tcp`: a TCP server for tests to forward to, whose connections close with it.
- `tls`: loopback TLS material, a client context trusting a test CA, an aiohttp app served on a loopback port.
- `frames`: reading tether's frames and the close code from a client WebSocket.
- `stack`: a real deployment driven through the CLI (server and agents as processes); `sshd`: a private sshd.
- `pgtemp`: a throwaway PostgreSQL database; `s3server`: a real S3-compatible server (moto).

Nothing here imports pytest at module level except `pgtemp` (which skips or fails the tests that need
PostgreSQL), so the benchmarks can use `stack` and `sshd` without it.
"""
