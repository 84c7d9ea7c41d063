package io.lvscp.api.model;

/** One LVS router of a cluster's pair. */
public record Router(String name, String publicAddress, String privateAddress, RolePreference rolePreference) {
    public Router withDefaults(String pathName) {
        return new Router(name == null ? pathName : name, publicAddress, privateAddress,
                rolePreference == null ? RolePreference.backup : rolePreference);
    }
}
