"""``alpr-audit doctor``: is a store sound (:mod:`.integrity`), and does an output folder leak
personal values of it (:mod:`.leaks`)?"""
