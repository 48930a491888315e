"""What the radar datasets (HKO-7, DWD, synthetic radar) share: frame times (:mod:`.times`),
catalogues and their gap-free windows (:mod:`.catalogue`), split folders of PNG frames
(:mod:`.split_folders`), grey PNG frames and ``.mask`` files (:mod:`.png`), the rain <-> pixel
encoding (:mod:`.encoding`) and the clip dataset they all build on (:mod:`.clips`). Each
archive's own formats live with its dataset (:mod:`msrnn.data.hko`, :mod:`msrnn.data.dwd`)."""
