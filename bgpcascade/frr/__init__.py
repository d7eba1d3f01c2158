"""FRR, the implementation the model is held to: real ``bgpd`` daemons for a small zone on
loopback addresses (:mod:`.lab`, ``bgpcascade lab``), the same scenario run on the model
and the two compared (:mod:`.compare`, ``lab --compare``), what a route costs a real FRR
route reflector on this machine (:mod:`.calibrate`, ``calibrate --frr``), and zones from
the FRR configurations operators already have (:mod:`.importer`, ``bgpcascade import
frr``: :mod:`.config_parse` reads them, :mod:`.zone_build` makes the zone,
:mod:`.import_report` says what it leaves out).
"""
