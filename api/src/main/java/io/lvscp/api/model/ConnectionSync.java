package io.lvscp.api.model;

/**
 * The IPVS connection synchronisation of a router pair (lvs.cf's {@code syncdaemon}/{@code syncd_iface}/
 * {@code syncd_id}, keepalived's {@code lvs_sync_daemon}): both routers run the kernel's sync daemon on
 * {@code device}, as master and as backup at once, so whichever is active sends its connections and the other
 * already knows each one's real server when it takes over. Present on a cluster = on.
 *
 * @param device the interface the daemons multicast on (the private segment's, usually); it needs an IPv4 address
 * @param syncId the sync id (0-255) that tells this pair's messages from another pair's on the same segment
 */
public record ConnectionSync(String device, Integer syncId) {
    public static final int DEFAULT_SYNC_ID = 0;

    public ConnectionSync withDefaults() {
        return new ConnectionSync(device, syncId == null ? DEFAULT_SYNC_ID : syncId);
    }
}
