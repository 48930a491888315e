r"""German radar (DWD) as used by MS-RNN: PNG frames, the RYDL HDF5 archive, RADOLAN binaries.

Every route yields clips in the DWD pixel encoding of MS-RNN, with DWD's Z–R relation
:math:`Z = 256 R^{1.42}`:

.. math::
    \mathrm{dBZ} = 10 \log_{10}(256\, R^{1.42}), \qquad
    p = \mathrm{clip}\big((\mathrm{dBZ} + 10) / 70,\ 0,\ 1\big)

(:func:`msrnn.radar.radar_convention` ``("dwd")``; 0.5 / 2 / 5 / 10 / 30 mm/h are the pixels
0.4258 / 0.5480 / 0.6287 / 0.6897 / 0.7865, 0 mm/h is pixel 0, pixel 1 is 338 mm/h).

Every route defaults to the paper's setting (:mod:`.protocol`): every 6th 5-minute frame
(30-minute spacing), 5 observed -> 5 forecast frames, resized to 124×124.

* :class:`DWDPngFrames` (:mod:`.png_frames`): the route behind the paper's numbers
  (``DWD-12-480``): ``<root>/{train,valid,test}/<YYYYMMDDHHMM>.png`` 8-bit grey frames of 5-minute
  data already in that encoding. Without ``valid/`` the end of ``train/`` is held out.
* :class:`RYDL` (:mod:`.rydl`): RainNet's archive ``RYDL.hdf5`` (one 900×900 dataset per 5-minute
  step, key ``YYYYMMDDHHMM``, rain depth in **mm per 5 min**) with ``RYDL_keys.txt`` (a Python
  list of the keys). ``value_units="mm/5min"`` multiplies by 12 to get mm/h; ``"mm/h"`` takes
  values as rates.
* :class:`RadolanFolder` (:mod:`.radolan_folder`): raw RADOLAN composites
  (``raa01-ry_10000-YYMMDDhhmm-dwd---bin``, optionally ``.gz``): RY/RW/YW amounts in mm per
  ``INT`` minutes are converted to mm/h (:math:`\times 60 / \mathrm{INT}`), RX reflectivity (dBZ)
  is encoded directly; the format is read and written by :mod:`.radolan`.

The HDF5 and RADOLAN routes split by year as MS-RNN's RYDL loader (:data:`DWD_YEARS`: train
2006–2014, validation 2015, test 2016–2017; ``years=`` to change) and may crop
(``crop=(top, left, height, width)``) before the bilinear resize. Windows never straddle a gap
in time. Missing values (NaN in HDF5, no-data/clutter flags in RADOLAN) raise by default for HDF5
and become 0 mm/h for RADOLAN (``missing="raise"`` / ``"zero"``).
"""

from msrnn.data.dwd.png_frames import DWDPngFrames
from msrnn.data.dwd.protocol import (
    CADENCE,
    DWD_YEARS,
    PAPER_FRAME_STEP,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
)
from msrnn.data.dwd.radolan import (
    RadolanComposite,
    RadolanHeader,
    radolan_filename,
    read_radolan,
    write_radolan,
)
from msrnn.data.dwd.radolan_folder import RadolanFolder
from msrnn.data.dwd.rydl import RYDL, write_rydl

__all__ = [
    "CADENCE",
    "DWD_YEARS",
    "PAPER_FRAME_STEP",
    "PAPER_INPUT_FRAMES",
    "PAPER_OUTPUT_FRAMES",
    "PAPER_SIZE",
    "RYDL",
    "DWDPngFrames",
    "RadolanComposite",
    "RadolanFolder",
    "RadolanHeader",
    "radolan_filename",
    "read_radolan",
    "write_radolan",
    "write_rydl",
]
