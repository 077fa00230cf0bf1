"""Alibaba's session clients on tether's client data channel, translated at the relay's edge.

`detect` says which framing a connection speaks; `shell` serves ali-instance-cli (1.01) and the browser client
(1.02) on shell sessions, `forward` serves ali-instance-cli's port forwards (one WebSocket per TCP connection, each
a stream of one session), `resend` is the 1.02 output buffer behind Sync, `half` the tether-client half all of them
share (HELLO, credit, ACKs). Past these endpoints the relay, taps, policies and the agent see an ordinary tether
client.
"""
