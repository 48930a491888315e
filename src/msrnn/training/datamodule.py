"""The Lightning data-module base: splits, loaders, and the protocol facts the model needs."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning as L
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler

from msrnn.data.splits import check_split
from msrnn.errors import ArgumentError
from msrnn.training.resumable_loader import EpochShuffleSampler, ResumableSampler


class UnpaddedDistributedSampler(DistributedSampler):
    """Rank ``r`` of ``n`` reads indices ``r, r + n, r + 2n, ...``: every sample exactly once.

    The default distributed sampler pads the dataset with repeated samples so that every rank gets
    the same count; summed metric states would then count those samples twice. Evaluation uses
    this sampler instead, so a metric synced over ranks equals the single-process value.
    """

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, len(self.dataset), self.num_replicas))

    def __len__(self) -> int:
        return len(range(self.rank, len(self.dataset), self.num_replicas))


class SequenceDataModule(L.LightningDataModule, abc.ABC):
    """Base of the data modules: each split yields float32 ``(T, C, H, W)`` clips in [0, 1].

    Subclasses implement :meth:`make_dataset` and set the protocol facts that the forecaster is
    built from (``channels``, ``input_frames``, ``output_frames``). Validation is its own split,
    never the test split. Training batches are shuffled with a seeded permutation per epoch;
    under DDP each rank reads its own part, and evaluation reads every sample exactly once.

    Args:
        batch_size: samples per batch and per process (the paper: 4 in total).
        num_workers: DataLoader worker processes.
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per sequence.
        seed: seed of the training shuffle.
        predict_path: an array file (``.npy``/``.npz``/``.h5``) or a folder of PNG frames whose
            sequences ``msrnn predict`` forecasts from (their first ``input_frames`` frames);
            default: the test split.
        predict_value_range: physical values mapped to 0 and 1 for float ``predict_path`` data
            (uint8 data is divided by 255).
        predict_key: the ``.npz`` member or ``.h5`` dataset of ``predict_path`` (needed when the
            file holds several).
        predict_channels_last: ``predict_path`` is ``(N, T, H, W, C)`` (see
            :class:`msrnn.data.ArrayDataset`).
    """

    channels: int = 1
    #: radar convention (Z–R relation + pixel encoding) of radar data, else None
    radar = None

    def __init__(
        self,
        *,
        batch_size: int = 4,
        num_workers: int = 0,
        input_frames: int = 10,
        output_frames: int = 10,
        seed: int = 0,
        predict_path: str | None = None,
        predict_value_range: tuple[float, float] | None = None,
        predict_key: str | None = None,
        predict_channels_last: bool | None = None,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if input_frames < 1 or output_frames < 1:
            raise ValueError(
                f"input_frames and output_frames must be at least 1, got {input_frames} and "
                f"{output_frames}"
            )
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.input_frames = input_frames
        self.output_frames = output_frames
        self.seed = seed
        self.predict_path = predict_path
        self.predict_value_range = predict_value_range
        self.predict_key = predict_key
        self.predict_channels_last = predict_channels_last
        self._datasets: dict[str, Dataset] = {}
        self._train_sampler: ResumableSampler | None = None
        self._resume_at: tuple[int, int] | None = None

    @property
    def seq_len(self) -> int:
        return self.input_frames + self.output_frames

    @abc.abstractmethod
    def make_dataset(self, split: str) -> Dataset:
        """The dataset of ``split`` (one of ``train``, ``val``, ``test``)."""

    def dataset(self, split: str) -> Dataset:
        if check_split(split) not in self._datasets:
            try:
                self._datasets[split] = self.make_dataset(split)
            except ArgumentError as error:  # the data modules pass arguments on by their names
                raise error.renamed(group="data") from None
        return self._datasets[split]

    def train_dataloader(self) -> DataLoader:
        dataset = self.dataset("train")
        trainer = self.trainer
        if trainer is not None and trainer.world_size > 1:
            sampler = DistributedSampler(
                dataset,
                num_replicas=trainer.world_size,
                rank=trainer.global_rank,
                shuffle=True,
                seed=self.seed,
            )
        else:
            sampler = EpochShuffleSampler(len(dataset), self.seed)
        self._train_sampler = ResumableSampler(sampler)
        if self._resume_at is not None:
            self._train_sampler.resume_at(*self._resume_at)
            self._resume_at = None
        return DataLoader(dataset, sampler=self._train_sampler, **self._loading())

    def state_dict(self) -> dict[str, Any]:
        """The position in the training order (saved with every checkpoint): the epoch and the
        samples of it this process has trained on."""
        if self._train_sampler is None or self.trainer is None:
            return {}
        batches = self.trainer.fit_loop.epoch_loop.batch_progress.current.processed
        return {
            "train_epoch": self._train_sampler.epoch,
            "train_samples": batches * self.batch_size,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume the training order at the saved position (see :meth:`state_dict`)."""
        if "train_epoch" not in state:
            return
        position = (state["train_epoch"], state["train_samples"])
        if self._train_sampler is not None:
            self._train_sampler.resume_at(*position)
        else:
            self._resume_at = position

    def val_dataloader(self) -> DataLoader:
        return self._evaluation_loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._evaluation_loader("test")

    def _evaluation_loader(self, split: str) -> DataLoader:
        """The loader of an evaluation split, refused when some process would get no sample."""
        dataset = self.dataset(split)
        processes = self.trainer.world_size if self.trainer is not None else 1
        if len(dataset) < processes:
            raise ValueError(
                f"the {split} split has {len(dataset)} sequence(s) but {processes} processes "
                "share it, and each needs at least one: use more sequences or fewer processes "
                "(--trainer.devices, --trainer.num_nodes)"
            )
        return self._loader(dataset)

    def predict_dataloader(self) -> DataLoader:
        if self.predict_path is None:
            return self._loader(self.dataset("test"))
        from msrnn.data import ArrayDataset, PngFolderDataset

        path = Path(self.predict_path)
        if path.is_dir():
            dataset = PngFolderDataset(path, channels=self.channels)
        else:
            try:
                dataset = ArrayDataset(
                    path,
                    key=self.predict_key,
                    value_range=self.predict_value_range,
                    channels=self.channels,
                    channels_last=self.predict_channels_last,
                )
            except ArgumentError as error:
                raise error.renamed(f"predict_{error.argument}", group="data") from None
        frames = dataset[0].shape[0]
        if frames < self.input_frames:
            raise ArgumentError(
                f"{path} holds sequences of {frames} frames, fewer than the {self.input_frames} "
                "observed frames a forecast starts from: give longer sequences, or set "
                f"{{argument}}{frames} (the model must have been trained for it)",
                "input_frames",
                group="data",
            )
        return self._loader(dataset)

    def _loader(self, dataset: Dataset, *, sampler: Sampler | None = None) -> DataLoader:
        trainer = self.trainer
        if sampler is None and trainer is not None and trainer.world_size > 1:
            sampler = UnpaddedDistributedSampler(
                dataset, num_replicas=trainer.world_size, rank=trainer.global_rank, shuffle=False
            )
        return DataLoader(dataset, sampler=sampler, **self._loading())

    def _loading(self) -> dict[str, Any]:
        """The ``DataLoader`` arguments shared by every split."""
        return {
            "batch_size": self.batch_size,
            "num_workers": self.num_workers,
            "persistent_workers": self.num_workers > 0,
        }
