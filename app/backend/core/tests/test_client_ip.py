import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


class ClientIpTests:
    def test_a_direct_client_is_its_own_address_whatever_it_claims(self):
        assert client_ip(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"

    def test_behind_nginx_and_the_load_balancer_the_first_untrusted_hop_from_the_right_wins(self):
        # client claimed 6.6.6.6; the load balancer saw 203.0.113.7; nginx saw the balancer 10.0.1.20
        assert client_ip(request("172.18.0.3", "6.6.6.6, 203.0.113.7, 10.0.1.20")) == "203.0.113.7"

    def test_a_request_from_inside_the_network_is_the_left_most_hop(self):
        assert client_ip(request("127.0.0.1", "10.0.0.8, 10.0.1.20")) == "10.0.0.8"

    def test_a_malformed_hop_stops_the_walk_at_the_proxy(self):
        assert client_ip(request("10.0.0.2", "203.0.113.7, not-an-ip")) == "10.0.0.2"

    @pytest.mark.parametrize("forwarded", [None, ""])
    def test_a_proxy_without_forwarded_for_is_the_address(self, forwarded):
        assert client_ip(request("10.0.0.2", forwarded)) == "10.0.0.2"

    def test_ipv6_clients_are_kept_whole(self):
        assert client_ip(request("127.0.0.1", "2001:db8::1")) == "2001:db8::1"

    # The storefront's nginx over gunicorn's Unix socket: REMOTE_ADDR is "" (no peer address).
    def test_behind_nginx_on_the_unix_socket_the_first_untrusted_hop_from_the_right_wins(self):
        assert client_ip(request("", "6.6.6.6, 203.0.113.7, 10.0.1.20")) == "203.0.113.7"

    def test_on_the_unix_socket_a_forged_left_most_hop_is_not_believed(self):
        # nginx appends the peer it saw (here the client itself, 198.51.100.4) to whatever it sent.
        assert client_ip(request("", "10.0.0.1, 127.0.0.1, 198.51.100.4")) == "198.51.100.4"

    def test_on_the_unix_socket_without_forwarded_for_the_address_is_unknown(self):
        assert client_ip(request("", None)) == ""
