package io.lvscp.api;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.api.model.IpAddresses;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {
    @ParameterizedTest
    @ValueSource(strings = {"192.168.26.10", "10.11.12.1", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::10", "fe80::1"})
    void literalsParse(String text) {
        assertTrue(IpAddresses.parse(text).isPresent(), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "web01", "192.168.26", "192.168.26.256", "01.2.3.4", "1.2.3.4.5", " 1.2.3.4",
            "1.2.3.4 ", "2001:db8::g", "::ffff:1.2.3.4x", "1.2.3.4/24", "-1.2.3.4"})
    void anythingElseDoesNot(String text) {
        assertEquals(Optional.empty(), IpAddresses.parse(text), text);
    }

    @ParameterizedTest
    @CsvSource({"255.255.255.0,24", "255.255.255.255,32", "0.0.0.0,0", "255.255.254.0,23", "128.0.0.0,1"})
    void contiguousNetmasksGiveTheirPrefix(String mask, int prefix) {
        assertEquals(Optional.of(prefix), IpAddresses.prefixLength(mask, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"255.0.255.0", "0.255.255.255", "255.255.255.1", "24", "255.255.255", "/24"})
    void otherNetmasksAreRefused(String mask) {
        assertEquals(Optional.empty(), IpAddresses.prefixLength(mask, false), mask);
    }

    @ParameterizedTest
    @CsvSource({"64,64", "128,128", "0,0"})
    void ipv6PrefixLengths(String mask, int prefix) {
        assertEquals(Optional.of(prefix), IpAddresses.prefixLength(mask, true));
        assertEquals(Optional.empty(), IpAddresses.prefixLength("129", true));
        assertEquals(Optional.empty(), IpAddresses.prefixLength("ffff::", true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "224.0.0.1", "255.255.255.255", "ff02::1", "::"})
    void nonUnicastAddressesAreNamed(String text) {
        assertTrue(IpAddresses.unicastProblem(IpAddresses.parse(text).orElseThrow()).isPresent(), text);
    }
}
