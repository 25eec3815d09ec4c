"""Object detection (book §8.1–8.3): YOLOv3-tiny (80 COCO classes) through OpenCV's Darknet reader, OpenCV's Haar
cascades, HOG people and MTCNN faces side by side with class labels and scores (`detectors`), IoU and a
step-by-step non-maximum suppression (`geometry`), the YOLOv3-tiny files and how they are fetched (`yolo_files`),
and selective colouring ("colour splash") with its mask sources (`splash`).

Nothing is imported here, so `import core.objects.geometry` stays light.
"""
