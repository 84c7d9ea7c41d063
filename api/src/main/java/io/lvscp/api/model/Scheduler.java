package io.lvscp.api.model;

/** Every IPVS scheduler, named as ipvsadm names them (-s). */
public enum Scheduler { rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf }
